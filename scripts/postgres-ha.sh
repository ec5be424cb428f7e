# Replicated PostgreSQL for ./cms (sourced after postgres.sh, not run): pg_auto_failover (Debian package
# postgresql-15-auto-failover) with a monitor and two nodes, a primary and a synchronous standby, all on loopback
# and run as the same unprivileged account as the single server. Why pg_auto_failover: docs/operations.md.
#
#   pgha_start NAME     create (first time) and run the monitor and both nodes in $CMS_HOME/NAME; returns once a
#                       primary and a synchronous standby serve
#   pgha_stop NAME      stop all three (fast shutdown)
#   pgha_url NAME, pgha_silo_url NAME, pgha_admin_url NAME
#                       multi-host Npgsql connection strings (owner, silos' role, superuser) that follow the primary
#   pgha_kill_node NAME N   SIGKILL node N (1 or 2): its keeper and its PostgreSQL, as a host death would
#   pgha_start_node NAME N  run node N again (it rejoins as a standby, rewound if needed)
#   pgha_primary NAME   print the number of the node that is primary now
#   pgha_wait_sync NAME return once a primary has a synchronous standby again (or fail after 120 s)
#   pgha_drop_database NAME  drop the CMS database on the primary
#
# Every connection between the processes is a password (SCRAM) login over loopback; the passwords are in
# $home/pgpass, readable only by the server's account, which the keepers and servers find through PGPASSFILE.

PGHA_NODES=(1 2)

# Failover timing (pg_auto_failover's defaults: checks every 5 s, a node unhealthy after 20 s, a primary that can
# reach neither the monitor nor a standby demotes itself after 20 s, and the monitor waits 30 s for that before it
# lets the standby take writes). Shortened together, keeping the order that rules out two writable primaries: an
# isolated primary demotes itself after PGHA_PARTITION_TIMEOUT, well before the monitor's demote timeout ends.
PGHA_PARTITION_TIMEOUT=2
PGHA_MONITOR_TUNING="pgautofailover.health_check_period = 1000
pgautofailover.health_check_timeout = 1000
pgautofailover.health_check_max_retries = 1
pgautofailover.health_check_retry_delay = 500
pgautofailover.node_considered_unhealthy_timeout = 2000
pgautofailover.primary_demote_timeout = 5000
pgautofailover.startup_grace_period = 5000"

pgha_ensure_binaries() {
  pg_ensure_binaries || return 1
  command -v pg_autoctl >/dev/null && [ -f "$(pg_bindir)/../lib/pgautofailover.so" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    local version
    version=$(basename "$(dirname "$(pg_bindir)")")
    echo "cms: pg_auto_failover not found; installing the Debian package 'postgresql-$version-auto-failover'..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$version-auto-failover" >&2 &&
      command -v pg_autoctl >/dev/null && return 0
  fi
  echo "cms: --ha needs pg_auto_failover. Install it with:" >&2
  echo "       sudo apt-get install postgresql-15-auto-failover" >&2
  return 1
}

# Runs a command as the server's account with pg_autoctl's environment: its config and state under $home, libpq
# defaults (socket folder, superuser, password file) for the local servers.
pgha_as_owner() {
  local home=$1
  shift
  pg_as_owner env -i PATH="$(pg_bindir):/usr/bin:/bin" HOME="$home" LANG=C.UTF-8 \
    XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/state" XDG_RUNTIME_DIR="$home/run" \
    PGHOST="$home/sock" PGUSER="$PG_DB_USER" PGPASSFILE="$home/pgpass" PGCONNECT_TIMEOUT=5 "$@"
}

pgha_port() { cat "$1/$2.port"; }

# Three free loopback ports, one per server, chosen once and kept (nothing listens on them yet, so each pick skips
# the ports already taken by the group).
pgha_pick_ports() {
  local home=$1 which port taken=""
  for which in monitor node1 node2; do
    if [ -s "$home/$which.port" ]; then taken="$taken $(cat "$home/$which.port")"; continue; fi
    for port in $(seq 54330 54430); do
      case " $taken " in *" $port "*) continue ;; esac
      pg_port_free "$port" && break
    done
    echo "$port" > "$home/$which.port"
    taken="$taken $port"
  done
}

pgha_secret() {
  local file=$1
  [ -s "$file" ] || head -c 24 /dev/urandom | base64 | tr -d '/+=\n' > "$file"
  [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$file"
  chmod 600 "$file"
}

# The settings every server of the group gets, read after pg_auto_failover's own: loopback only, the sockets in a
# folder of ours, memory for three servers on one machine, connections for the silos and the tests.
pgha_local_settings() {
  local home=$1
  cat <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$home/sock'
shared_buffers = 256MB
effective_cache_size = 2GB
max_connections = 500
logging_collector = off
CONF
}

# initdb for the monitor and the first node (the second is a base backup of the primary, made by pg_autoctl).
pgha_initdb() {
  local home=$1 data=$2
  [ -f "$data/PG_VERSION" ] && return 0
  rm -rf "$data"
  pgha_as_owner "$home" initdb --pgdata="$data" --username="$PG_DB_USER" --pwfile="$home/password" \
    --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --data-checksums >"$home/logs/initdb.log" 2>&1 ||
    { echo "cms: initdb failed, see $home/logs/initdb.log" >&2; return 1; }
  pgha_local_settings "$home" | pg_as_owner tee -a "$data/postgresql.auto.conf" >/dev/null
}

# Runs one pg_autoctl service (monitor or node N) in the background, in a session of its own so that killing it
# takes its PostgreSQL along.
pgha_run() {
  local home=$1 which=$2
  pgha_as_owner "$home" setsid -f pg_autoctl run --pgdata "$home/$which" >>"$home/logs/$which.log" 2>&1 < /dev/null
}

# The pid of a running pg_autoctl service, from the pidfile it keeps (first line).
pgha_pid() {
  local home=$1 which=$2 pid
  pid=$(head -n 1 "$home/run/pg_autoctl$home/$which/pg_autoctl.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

pgha_running() { pgha_pid "$1" "$2" >/dev/null; }

pgha_monitor_url() {
  local home=$1
  echo "postgres://autoctl_node@127.0.0.1:$(pgha_port "$home" monitor)/pg_auto_failover?sslmode=disable"
}

pgha_create() {
  local home=$1 n file
  mkdir -p "$home/sock" "$home/logs" "$home/config" "$home/state" "$home/run"
  chmod 700 "$home/run"
  for file in password owner-password silo-password node-password replication-password monitor-password; do
    pgha_secret "$home/$file"
  done
  # One password file for every login the group makes among itself.
  printf '%s\n' "*:*:*:$PG_DB_USER:$(cat "$home/password")" "*:*:*:autoctl_node:$(cat "$home/node-password")" \
    "*:*:*:pgautofailover_replicator:$(cat "$home/replication-password")" \
    "*:*:*:pgautofailover_monitor:$(cat "$home/monitor-password")" > "$home/pgpass"
  chmod 600 "$home/pgpass"
  [ "$(id -u)" = 0 ] && chown -R "$PG_OS_USER" "$home"
  pgha_pick_ports "$home" || return 1

  if [ ! -f "$home/monitor/postgresql-auto-failover.conf" ]; then
    echo "cms: creating the pg_auto_failover monitor..." >&2
    pgha_initdb "$home" "$home/monitor" || return 1
    pgha_as_owner "$home" pg_autoctl create monitor --pgdata "$home/monitor" --pgport "$(pgha_port "$home" monitor)" \
      --hostname 127.0.0.1 --auth scram-sha-256 --no-ssl >>"$home/logs/create.log" 2>&1 ||
      { echo "cms: pg_autoctl create monitor failed, see $home/logs/create.log" >&2; return 1; }
    pgha_as_owner "$home" pg_autoctl config set --pgdata "$home/monitor" postgresql.listen_addresses 127.0.0.1 >/dev/null &&
      echo "$PGHA_MONITOR_TUNING" | pg_as_owner tee -a "$home/monitor/postgresql.auto.conf" >/dev/null || return 1
  fi
  pgha_running "$home" monitor || pgha_run "$home" monitor
  pgha_wait_sql "$home" monitor pg_auto_failover "ALTER ROLE autoctl_node PASSWORD '$(cat "$home/node-password")'" || return 1

  for n in "${PGHA_NODES[@]}"; do
    [ -f "$home/node$n/postgresql-auto-failover.conf" ] && continue
    echo "cms: creating PostgreSQL node $n of 2..." >&2
    [ "$n" = 1 ] && { pgha_initdb "$home" "$home/node1" || return 1; }
    pgha_as_owner "$home" pg_autoctl create postgres --pgdata "$home/node$n" --pgport "$(pgha_port "$home" "node$n")" \
      --hostname 127.0.0.1 --listen 127.0.0.1 --name "node$n" --username "$PG_DB_USER" --dbname "$PG_DB_NAME" \
      --monitor "$(pgha_monitor_url "$home")" --auth scram-sha-256 --no-ssl >>"$home/logs/create.log" 2>&1 ||
      # Its supervisor gives up after five quick retries (a standby slow to start on a loaded machine); the keeper
      # resumes an unfinished creation when it runs, and pgha_wait_sync tells whether it got there.
      echo "cms: pg_autoctl create postgres (node $n) did not finish; its keeper resumes it (log: $home/logs/create.log)" >&2
    pgha_as_owner "$home" pg_autoctl config set --pgdata "$home/node$n" timeout.network_partition_timeout "$PGHA_PARTITION_TIMEOUT" >/dev/null || return 1
    pgha_run "$home" "node$n"
    if [ "$n" = 1 ]; then
      # Retried until the keeper has created both roles (ALTER ROLE fails before that).
      pgha_wait_sql "$home" node1 postgres "ALTER ROLE pgautofailover_replicator PASSWORD '$(cat "$home/replication-password")';
        ALTER ROLE pgautofailover_monitor PASSWORD '$(cat "$home/monitor-password")'" || return 1
    fi
  done
}

# Runs SQL on one server of the group through its socket, retrying for up to 60 s while it starts. The SQL goes
# through stdin, so that no password in it shows in a process list.
pgha_wait_sql() {
  local home=$1 which=$2 db=$3 sql=$4 i
  for i in $(seq 1 120); do
    pgha_as_owner "$home" psql -p "$(pgha_port "$home" "$which")" -d "$db" -qAt -v ON_ERROR_STOP=1 <<<"$sql" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "cms: $which did not answer in 60 s, see $home/logs/$which.log" >&2
  return 1
}

pgha_start() {
  local name=$1 home n primary
  pgha_ensure_binaries && pg_ensure_os_user || return 1
  home=$(pg_home "$name") || return 1
  # Written first, so that pgha_stop finds a group whose creation failed half-way.
  echo "$home" > "$CMS_HOME/$name.home"
  pgha_create "$home" || return 1
  for which in monitor node1 node2; do pgha_running "$home" "$which" || pgha_run "$home" "$which"; done
  pgha_wait_sync "$name" || return 1
  primary=$(pgha_primary "$name") || return 1
  if ! pgha_as_owner "$home" psql -p "$(pgha_port "$home" "node$primary")" -d postgres -Atqc \
      "SELECT 1 FROM pg_database WHERE datname = '$PG_DB_NAME'" | grep -q 1; then
    pgha_as_owner "$home" psql -p "$(pgha_port "$home" "node$primary")" -d postgres -qc "CREATE DATABASE $PG_DB_NAME" >/dev/null || return 1
  fi
  pg_ensure_roles "$(pg_bindir)" "$(pgha_port "$home" "node$primary")" "$(cat "$home/password")" \
    "$(cat "$home/owner-password")" "$(cat "$home/silo-password")" || return 1
}

pgha_stop() {
  local name=$1 home which pid
  home=$(cat "$CMS_HOME/$name.home" 2>/dev/null) || return 0
  # Standbys first, then the primary, then the monitor: no failover is started by the stop itself.
  for which in node2 node1 monitor; do
    pid=$(pgha_pid "$home" "$which") || continue
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  done
}

# The node (1 or 2) that the monitor names primary, or that is still waiting to be one (wait_primary: its standby
# is not caught up yet).
pgha_primary() {
  local home n
  home=$(cat "$CMS_HOME/$1.home") || return 1
  n=$(pgha_as_owner "$home" psql -p "$(pgha_port "$home" monitor)" -d pg_auto_failover -qAtc \
    "SELECT nodename FROM pgautofailover.node WHERE reportedstate IN ('primary', 'wait_primary') AND goalstate = reportedstate" 2>/dev/null) || return 1
  [ -n "$n" ] || return 1
  echo "${n#node}"
}

pgha_wait_sync() {
  local home i
  home=$(cat "$CMS_HOME/$1.home") || return 1
  for i in $(seq 1 240); do
    if [ "$(pgha_as_owner "$home" psql -p "$(pgha_port "$home" monitor)" -d pg_auto_failover -qAtc \
        "SELECT count(*) FROM pgautofailover.node WHERE (reportedstate, goalstate) IN (('primary', 'primary'), ('secondary', 'secondary'))" 2>/dev/null)" = 2 ]; then
      return 0
    fi
    sleep 0.5
  done
  echo "cms: no primary with a synchronous standby after 120 s; see $home/logs/ and: pg_autoctl show state" >&2
  return 1
}

pgha_kill_node() {
  local home pid
  home=$(cat "$CMS_HOME/$1.home") || return 1
  pid=$(pgha_pid "$home" "node$2") || return 1
  # The keeper runs in a session of its own: its process group holds it and its postmaster; the postmaster's
  # children (each in a session of its own) go at the same instant, as on a host that died.
  local group members
  group=$(ps -o pgid= -p "$pid" | tr -d ' ')
  [ -n "$group" ] || return 1
  members=$(ps -e -o pid=,pgid= | awk -v g="$group" '$2 == g { print $1 }')
  # shellcheck disable=SC2086
  kill -KILL $members $(for m in $members; do ps -o pid= --ppid "$m"; done) 2>/dev/null
  # A SIGKILLed postmaster leaves its children to notice by themselves; wait until none serves any more.
  for _ in $(seq 1 60); do
    pg_port_free "$(pgha_port "$home" "node$2")" && return 0
    sleep 0.25
  done
  echo "cms: node $2 still answers after SIGKILL" >&2
  return 1
}

pgha_start_node() {
  local home
  home=$(cat "$CMS_HOME/$1.home") || return 1
  pgha_running "$home" "node$2" || pgha_run "$home" "node$2"
}

# host:port of both nodes, in the order of their numbers.
pgha_hosts() {
  local home=$1
  echo "127.0.0.1:$(pgha_port "$home" node1),127.0.0.1:$(pgha_port "$home" node2)"
}

# Npgsql follows the primary: it tries the hosts in order and keeps the one that takes writes (read-write, not
# primary: a standby being promoted is out of recovery but read-only until the monitor confirms it); a host that failed is
# tried again after a second (its default is 10 s, too slow to follow a promotion).
pgha_options() { echo "Target Session Attributes=read-write;Host Recheck Seconds=1;Timeout=5"; }

pgha_url() {
  local home
  home=$(cat "$CMS_HOME/$1.home")
  echo "Host=$(pgha_hosts "$home");Username=$PG_OWNER_USER;Password=$(cat "$home/owner-password");Database=$PG_DB_NAME;$(pgha_options)"
}

pgha_silo_url() {
  local home
  home=$(cat "$CMS_HOME/$1.home")
  echo "Host=$(pgha_hosts "$home");Username=$PG_SILO_USER;Password=$(cat "$home/silo-password");Database=$PG_DB_NAME;$(pgha_options)"
}

pgha_admin_url() {
  local home
  home=$(cat "$CMS_HOME/$1.home")
  echo "Host=$(pgha_hosts "$home");Username=$PG_DB_USER;Password=$(cat "$home/password");Database=$PG_DB_NAME;$(pgha_options)"
}

# Drops the CMS database on the primary (pgha_start creates it again).
pgha_drop_database() {
  local home
  home=$(cat "$CMS_HOME/$1.home") || return 1
  pgha_as_owner "$home" psql -p "$(pgha_port "$home" "node$(pgha_primary "$1")")" -d postgres -qc \
    "DROP DATABASE IF EXISTS $PG_DB_NAME WITH (FORCE)" >/dev/null
}
