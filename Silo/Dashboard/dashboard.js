// OrleansCms dashboard: polls the JSON API of the silo that served it once a second and renders
// silos, ECUs (with their programs and checkpoint ages), restorations and the operator actions. Plain JS, no
// dependencies. The API token is kept in this tab's sessionStorage and sent as an Authorization header (never a
// cookie), so another site cannot make the browser act with it.
"use strict";

const POLL_MS = 1000;
const state = { ecus: [], restorations: [], cluster: null, summary: null, audit: [], lastOk: null };
const TOKEN_KEY = "cms-token";
const $ = (id) => document.getElementById(id);

const escapeHtml = (value) => String(value ?? "").replace(/[&<>"']/g, (c) =>
  ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const lower = (value) => String(value ?? "").toLowerCase();
const statusBadge = (status, extra = "") =>
  `<span class="status ${lower(status)}${extra}">${escapeHtml(status)}</span>`;

function bytes(n) {
  if (n == null) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(n < 10 && i > 0 ? 1 : 0)} ${units[i]}`;
}

function age(iso) {
  if (!iso) return null;
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.floor(seconds % 60)} s`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function time(iso) {
  return iso ? new Date(iso).toLocaleTimeString([], { hour12: false }) : "";
}

// Every API error is problem+json; show its title and detail.
// The token's claims (subject and role), for display only: the silo checks the token itself.
function claims(token) {
  try {
    return JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
  } catch {
    return null;
  }
}

function renderWho() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const who = token && claims(token);
  $("who").innerHTML = who
    ? `${escapeHtml(who.sub)} · ${escapeHtml(who.role)} <button id="signout" class="secondary">sign out</button>`
    : "";
  document.body.classList.toggle("reader", who?.role === "reader");
}

function signIn(reason) {
  const dialog = $("signin");
  if (dialog.open) return;
  $("signin-error").textContent = reason ?? "";
  $("signin-token").value = "";
  dialog.showModal();
}

$("signin-form").addEventListener("submit", () => {
  sessionStorage.setItem(TOKEN_KEY, $("signin-token").value.trim());
  renderWho();
});

async function api(path, options = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = { accept: "application/json", ...(options.headers ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const response = await fetch(path, { ...options, headers });
  // A refusal of the token still in use asks for another; one sent before the user signed in is stale.
  if (response.status === 401 && sessionStorage.getItem(TOKEN_KEY) === token) {
    if (token) sessionStorage.removeItem(TOKEN_KEY);
    renderWho();
    signIn(token ? "The silo refused the token (expired, or not signed with an operator's certificate of this fleet)." : null);
  }
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const problem = body && (body.title || body.detail) ? body : { title: `HTTP ${response.status}`, detail: text };
    const error = new Error(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    error.status = response.status;
    throw error;
  }
  return body;
}

function showMessage(text, kind = "error") {
  const box = document.createElement("div");
  box.className = `message ${kind === "ok" ? "ok" : ""}`;
  box.innerHTML = `<span>${escapeHtml(text)}</span><button title="dismiss" aria-label="dismiss">×</button>`;
  box.querySelector("button").onclick = () => box.remove();
  $("messages").prepend(box);
  if (kind === "ok") setTimeout(() => box.remove(), 6000);
}

async function poll() {
  try {
    const [ecus, restorations, cluster, summary, audit] = await Promise.all([
      api("/api/ecus?all=true"), api("/api/restorations"), api("/api/cluster"), api("/api/summary"), api("/api/audit?limit=20"),
    ]);
    Object.assign(state, { ecus, restorations, cluster, summary, audit, lastOk: new Date() });
    $("connection").className = "connection";
    $("connection").textContent = `live · ${cluster.answeredBy} · ${time(state.lastOk.toISOString())}`;
    render();
  } catch (e) {
    $("connection").className = "connection down";
    $("connection").textContent = `API unreachable: ${e.message}` + (state.lastOk ? ` (last update ${time(state.lastOk.toISOString())})` : "");
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

function render() {
  renderSummary();
  renderSilos();
  renderEcus();
  renderRestorations();
  renderAudit();
}

function renderAudit() {
  $("audit").innerHTML = state.audit.length === 0 ? `<p class="empty">No operator action yet.</p>` :
    `<table><thead><tr><th>when</th><th>who</th><th>action</th><th>target</th><th>from</th><th>outcome</th></tr></thead><tbody>` +
    state.audit.map((a) => `<tr><td>${escapeHtml(time(a.at))}</td><td>${escapeHtml(a.actor)}</td><td>${escapeHtml(a.action)}</td>` +
      `<td title="${escapeHtml(a.detail ?? "")}">${escapeHtml(a.target)}</td><td>${escapeHtml(a.origin)}</td><td>${escapeHtml(a.outcome ?? "running")}</td></tr>`).join("") +
    `</tbody></table>`;
}

function renderSummary() {
  const s = state.summary;
  const chip = (value, label) => `<span class="chip"><b>${escapeHtml(value)}</b> ${label}</span>`;
  $("summary").innerHTML = [
    chip(`${s.silosActive}/${s.silos}`, "silos active"),
    chip(s.ecusAlive, "ECUs alive"),
    chip(s.ecusFailed, "failed"),
    chip(s.programsRunning, "programs running"),
    chip(s.checkpointsStored ?? "?", "checkpoints stored"),
    chip(s.restorations, "restorations") + (s.restorationsUnfinished ? chip(s.restorationsUnfinished, "in progress") : ""),
  ].join("");
}

function renderSilos() {
  const silos = state.cluster.silos;
  $("silos").innerHTML = silos.length === 0 ? `<div class="empty">no silo known</div>` : silos.map((silo) => `
    <div class="silo" data-silo="${escapeHtml(silo.name)}">
      <div><span class="name">${escapeHtml(silo.name)}</span> ${statusBadge(silo.status)} ${silo.isSelf ? '<span class="tag">serving this page</span>' : ""}</div>
      <div class="addr">${escapeHtml(silo.address)}</div>
      ${silo.http && silo.status === "Active" ? `<div class="addr"><a href="${escapeHtml(silo.http)}">${escapeHtml(silo.http)}</a></div>` : ""}
    </div>`).join("");
}

function bar(label, fraction, text) {
  const f = Math.max(0, Math.min(1, fraction || 0));
  const cls = f > 0.9 ? "full" : f > 0.7 ? "hot" : "";
  return `<span>${label}</span><div class="bar ${cls}" role="meter" aria-label="${label}" aria-valuenow="${(f * 100).toFixed(0)}"><span style="width:${(f * 100).toFixed(1)}%"></span></div><span class="value">${text}</span>`;
}

function renderEcus() {
  const showRetired = $("show-retired").checked;
  const ecus = state.ecus.filter((e) => showRetired || e.status !== "Retired");
  const order = { Alive: 0, Failed: 1, Fenced: 1, Retired: 2 };
  ecus.sort((a, b) => (order[a.status] ?? 3) - (order[b.status] ?? 3) || a.mac.localeCompare(b.mac));
  $("ecus").innerHTML = ecus.length === 0 ? `<div class="empty">no ECU has registered yet</div>` : ecus.map(renderEcu).join("");
}

function renderEcu(ecu) {
  const alive = ecu.status === "Alive";
  const m = ecu.metrics;
  const heartbeat = new Map((ecu.programs || []).map((p) => [p.programId, p]));
  const active = (ecu.catalogue || []).filter((p) => p.status === "Active");
  const rows = active.map((entry) => {
    const hb = heartbeat.get(entry.programId);
    const checkpointAge = hb && hb.lastAcknowledgedAt ? age(hb.lastAcknowledgedAt) : null;
    const stale = hb && hb.lastAcknowledgedAt && (Date.now() - Date.parse(hb.lastAcknowledgedAt)) > 5000;
    return `<tr data-program="${escapeHtml(entry.program.name)}" data-program-id="${entry.programId}">
      <td>${escapeHtml(entry.program.name)} <span class="muted">#${entry.programId}</span>${entry.origin ? ` <span class="tag" title="restored from ${escapeHtml(entry.origin.source?.mac ?? "")}">restored</span>` : ""}</td>
      <td>${hb ? statusBadge(hb.running ? "Running" : "Stopped") : '<span class="muted">–</span>'}</td>
      <td>${hb ? bytes(hb.rssBytes) : ""}</td>
      <td class="checkpoint">${hb && hb.lastAcknowledgedVersion > 0
        ? `v${hb.lastAcknowledgedVersion} · <span class="age ${stale ? "stale" : ""}">${checkpointAge ?? "?"} ago</span>`
        : '<span class="muted">no checkpoint yet</span>'}</td>
      <td>${alive ? `<button class="migrate" data-mac="${escapeHtml(ecu.mac)}" data-program-id="${entry.programId}" data-name="${escapeHtml(entry.program.name)}">Migrate…</button>` : ""}</td>
    </tr>`;
  }).join("");
  return `<article class="ecu ${lower(ecu.status)}" data-mac="${escapeHtml(ecu.mac)}">
    <div class="ecu-head">
      <span class="name">${escapeHtml(ecu.registration?.name ?? ecu.mac)}</span>
      <span class="mac">${escapeHtml(ecu.mac)}</span>
      ${ecu.registration?.besideCmsSilo ? '<span class="tag">beside CMS</span>' : ""}
      <span class="spacer"></span>
      <span class="ecu-status">${statusBadge(ecu.status)}${ecu.suspect ? ` ${statusBadge("Suspect")}` : ""}</span>
    </div>
    ${alive && m ? `<div class="bars">
      ${bar("CPU", m.cpuLoad, `${(m.cpuLoad * 100).toFixed(0)} % of ${ecu.registration?.cpuCores ?? "?"} cores`)}
      ${bar("RAM", m.ramTotalBytes ? m.ramUsedBytes / m.ramTotalBytes : 0, `${bytes(m.ramUsedBytes)} / ${bytes(m.ramTotalBytes)}`)}
    </div>` : ""}
    ${ecu.failureReason && !alive ? `<div class="failure">${escapeHtml(ecu.status)} (epoch ${ecu.failureEpoch}): ${escapeHtml(ecu.failureReason)}</div>` : ""}
    ${active.length ? `<table class="programs"><thead><tr><th>program</th><th>state</th><th>RSS</th><th>last checkpoint</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
      : `<div class="empty">${alive ? "no programs" : "no active programs"}</div>`}
    ${alive ? `<div style="margin-top:10px;text-align:right"><button class="danger fail" data-mac="${escapeHtml(ecu.mac)}" data-name="${escapeHtml(ecu.registration?.name ?? ecu.mac)}">Declare failed</button></div>` : ""}
  </article>`;
}

function renderRestorations() {
  const list = state.restorations;
  if (list.length === 0) {
    $("restorations").innerHTML = `<div class="empty">none yet: they appear here as ECUs fail, programs crash or migrate</div>`;
    return;
  }
  const names = new Map(state.ecus.map((e) => [e.mac, e.registration?.name ?? e.mac]));
  const ecuName = (mac) => mac ? `${escapeHtml(names.get(mac) ?? mac)}` : "";
  const rows = list.slice(0, 50).map((r) => {
    const programs = r.programs.map((p) => {
      const took = p.runningAt ? ` in ${((Date.parse(p.runningAt) - Date.parse(r.startedAt)) / 1000).toFixed(2)} s` : "";
      const where = p.targetMac ? ` → ${ecuName(p.targetMac)}${p.newProgramId != null ? ` #${p.newProgramId}` : ""}` : "";
      const lastEvent = p.events && p.events.length ? `<div class="events">${escapeHtml(p.events[p.events.length - 1])}</div>` : "";
      return `<div data-restored-program="${escapeHtml(p.name)}">${escapeHtml(p.name)} ${p.version ? `<span class="muted">v${p.version}</span>` : ""} ${statusBadge(p.outcome)}${where}${took}${p.detail ? ` <span class="muted">${escapeHtml(p.detail)}</span>` : ""}${lastEvent}</div>`;
    }).join("") || '<span class="muted">no programs to restore</span>';
    return `<tr data-restoration-id="${escapeHtml(r.id)}">
      <td><span class="kind">${escapeHtml(r.kind)}</span><div class="id">${escapeHtml(r.id)}</div></td>
      <td>${ecuName(r.sourceMac)}<div class="muted">${escapeHtml(r.reason)}</div></td>
      <td>${time(r.startedAt)}<div>${r.finishedAt ? `<span class="muted">done in ${((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000).toFixed(2)} s</span>` : statusBadge("Pending", " in-progress")}</div></td>
      <td>${programs}</td>
      <td class="muted">${escapeHtml(siloName(r.runsOn))}</td>
    </tr>`;
  }).join("");
  $("restorations").innerHTML = `<div class="restorations"><table>
    <thead><tr><th>kind</th><th>source</th><th>started</th><th>programs</th><th>silo</th></tr></thead>
    <tbody>${rows}</tbody></table></div>`;
}

// A grain's runtime identity ("S127.0.0.1:11111:154859683") as the silo's name, when membership knows it.
function siloName(identity) {
  if (!identity) return "";
  const address = identity.replace(/^S/, "").replace(/:(\d+)$/, "@$1");
  return state.cluster.silos.find((s) => s.address === address)?.name ?? identity;
}

// One dialog for both actions; resolves with the chosen target ("" = best) or null when cancelled.
function ask(title, text, okLabel, targets) {
  const dialog = $("confirm");
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = okLabel;
  $("confirm-target-row").hidden = !targets;
  if (targets) {
    $("confirm-target").innerHTML = `<option value="">best ECU (placement policy)</option>` +
      targets.map((e) => `<option value="${escapeHtml(e.mac)}">${escapeHtml(e.registration?.name ?? e.mac)} (${escapeHtml(e.mac)})</option>`).join("");
  }
  return new Promise((resolve) => {
    dialog.onclose = () => resolve(dialog.returnValue === "ok" ? (targets ? $("confirm-target").value : "") : null);
    dialog.returnValue = "";
    dialog.showModal();
  });
}

async function declareFailed(mac, name) {
  if (await ask(`Declare ${name} failed?`, `The CMS stops trusting ${mac} at once and restores its programs on other ECUs. The ECU is fenced if it comes back.`, "Declare failed", null) === null) return;
  try {
    const answer = await api(`/api/ecus/${encodeURIComponent(mac)}/failure`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ reason: "declared failed from the dashboard" }),
    });
    showMessage(`${name} declared failed (epoch ${answer.failureEpoch}); its programs are being restored.`, "ok");
  } catch (e) {
    showMessage(`Could not declare ${name} failed: ${e.message}`);
  }
}

async function migrate(mac, programId, name) {
  const targets = state.ecus.filter((e) => e.status === "Alive" && e.mac !== mac);
  const target = await ask(`Migrate ${name}?`, `The CMS takes a fresh checkpoint of program ${programId} on ${mac}, restores it on the target and then stops the old copy.`, "Migrate", targets);
  if (target === null) return;
  try {
    const answer = await api("/api/migrations", {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ mac, programId, targetMac: target || null }),
    });
    showMessage(`Migration of ${name} started (${answer.id}).`, "ok");
  } catch (e) {
    showMessage(`Could not migrate ${name}: ${e.message}`);
  }
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  if (button.id === "signout") {
    sessionStorage.removeItem(TOKEN_KEY);
    renderWho();
    signIn();
  }
  if (button.classList.contains("fail")) declareFailed(button.dataset.mac, button.dataset.name);
  if (button.classList.contains("migrate")) migrate(button.dataset.mac, Number(button.dataset.programId), button.dataset.name);
});
$("show-retired").addEventListener("change", () => state.summary && renderEcus());

renderWho();
poll();
