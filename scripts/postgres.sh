# Private PostgreSQL server for ./cms (sourced, not run). Functions print nothing on success unless
# they say so; errors go to stderr with the command to fix them.
#
#   pg_start NAME   initdb (first time) and start the server in $CMS_HOME/NAME on a free loopback port
#   pg_stop NAME    stop it (fast shutdown: clients are disconnected, nothing committed is lost)
#   pg_url NAME     print its Npgsql connection string as the role that owns the CMS database and schema
#   pg_silo_url NAME  print the silos' one: the least-privilege role $PG_SILO_USER (see pg_ensure_roles)
#   pg_admin_url NAME  print the superuser's one (to create databases and roles: the tests, benchmarks, demo)
#   pg_listen_also NAME ADDRESS CIDR  restart it listening on ADDRESS too, open to password logins from CIDR (tests
#                   whose silos run on simulated hosts)

PG_OS_USER="${CMS_PG_OS_USER:-cmspg}"   # the unprivileged account the server runs as when ./cms runs as root
PG_DB_USER="cms"                        # the superuser: administration only, never the silos' schema owner
PG_DB_NAME="cms"
PG_OWNER_USER="cms_owner"               # owns the CMS database and its objects; no superuser, creates no roles
PG_SILO_USER="cms_silo"                 # the silos' runtime role: no superuser, owns nothing, granted DML by the owner

pg_bindir() {
  if [ -n "${CMS_PG_BIN:-}" ]; then echo "$CMS_PG_BIN"; return 0; fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$dir" ] && [ -x "$dir/postgres" ]; then echo "$dir"; return 0; fi
  dir=$(dirname "$(command -v postgres 2>/dev/null || echo /nonexistent/x)")
  [ -x "$dir/postgres" ] && echo "$dir"
}

pg_ensure_binaries() {
  [ -n "$(pg_bindir)" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "cms: PostgreSQL server binaries not found; installing the Debian package 'postgresql'..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    # Debian's package creates and starts a cluster of its own; ./cms does not use it.
    command -v pg_ctlcluster >/dev/null && pg_ctlcluster --force "$(ls /usr/lib/postgresql | sort -V | tail -n 1)" main stop >/dev/null 2>&1
    [ -n "$(pg_bindir)" ] && return 0
  fi
  echo "cms: PostgreSQL server binaries (initdb, pg_ctl, postgres) not found. Install them with:" >&2
  echo "       sudo apt-get install postgresql" >&2
  echo "     or set CMS_PG_BIN to the folder that holds them, or set CMS_POSTGRES to use your own server." >&2
  return 1
}

# Runs a command as the server's account (itself when not root).
pg_as_owner() {
  # From /, since the account may not be allowed into the current directory.
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u "$PG_OS_USER" -- "$@"); else "$@"; fi
}

pg_ensure_os_user() {
  [ "$(id -u)" = 0 ] || return 0
  id -u "$PG_OS_USER" >/dev/null 2>&1 && return 0
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_OS_USER"
}

# The folder that holds the server's files. As root the server runs as $PG_OS_USER, who must be able to
# reach it; a checkout under a private home (e.g. /root) cannot be, so its data goes to /var/tmp instead.
pg_home() {
  local name=$1
  local dir="$CMS_HOME/$name"
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$dir"
    chown "$PG_OS_USER" "$dir"
    if ! runuser -u "$PG_OS_USER" -- test -w "$dir"; then
      dir="/var/tmp/orleanscms-$(echo -n "$CMS_HOME" | sha256sum | cut -c1-12)/$name"
      mkdir -p "$dir" && chown "$PG_OS_USER" "$dir" "$(dirname "$dir")"
    fi
  else
    mkdir -p "$dir"
  fi
  echo "$dir"
}

pg_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pg_pick_port() {
  local preferred=$1 port
  if [ -n "$preferred" ] && pg_port_free "$preferred"; then echo "$preferred"; return 0; fi
  for port in $(seq 54320 54420); do
    if pg_port_free "$port"; then echo "$port"; return 0; fi
  done
  echo "cms: no free TCP port for PostgreSQL in 54320-54420" >&2
  return 1
}

pg_start() {
  local name=$1 bin home data port password
  pg_ensure_binaries || return 1
  bin=$(pg_bindir)
  pg_ensure_os_user || return 1
  home=$(pg_home "$name") || return 1
  data="$home/data"

  local file
  for file in password owner-password silo-password; do
    if [ ! -s "$home/$file" ]; then
      head -c 24 /dev/urandom | base64 | tr -d '/+=\n' > "$home/$file"
    fi
    [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$home/$file"
    chmod 600 "$home/$file"
  done

  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
    # Page checksums: a stored chunk that rots on disk fails its read instead of going unseen until a restore
    # (an offer does not read the chunks it shares with older versions back).
    pg_as_owner "$bin/initdb" --pgdata="$data" --username="$PG_DB_USER" --pwfile="$home/password" \
      --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --data-checksums >"$home/initdb.log" 2>&1 ||
      { echo "cms: initdb failed, see $home/initdb.log" >&2; return 1; }
    cat >>"$data/postgresql.conf" <<'CONF'
# Written by ./cms: loopback TCP only, no Unix socket, room for the silos and the tests (in-process clusters beside
# silo processes: each silo has two pools of up to Cms:Storage:PoolSize connections).
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 500
shared_buffers = 256MB
CONF
  fi

  if pg_as_owner "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1; then
    port=$(cat "$home/port")
  else
    port=$(pg_pick_port "$(cat "$home/port" 2>/dev/null)") || return 1
    echo "$port" > "$home/port"
    pg_as_owner "$bin/pg_ctl" start -D "$data" -w -t 60 -o "-p $port" -l "$home/server.log" >/dev/null ||
      { echo "cms: PostgreSQL did not start, see $home/server.log" >&2; return 1; }
  fi

  password=$(cat "$home/password")
  if ! PGPASSWORD="$password" "$bin/psql" -h 127.0.0.1 -p "$port" -U "$PG_DB_USER" -d postgres -Atqc \
      "SELECT 1 FROM pg_database WHERE datname = '$PG_DB_NAME'" | grep -q 1; then
    PGPASSWORD="$password" "$bin/psql" -h 127.0.0.1 -p "$port" -U "$PG_DB_USER" -d postgres -qc \
      "CREATE DATABASE $PG_DB_NAME" >/dev/null || return 1
  fi
  pg_ensure_roles "$bin" "$port" "$password" "$(cat "$home/owner-password")" "$(cat "$home/silo-password")" || return 1
  echo "$home" > "$CMS_HOME/$name.home"
}

# Creates the schema owner's and the silos' login roles, or resets them to what they must be (passwords from
# owner-password and silo-password, no superuser, no role or database creation). The owner owns the CMS database,
# so also its public schema, and every object in it: a server from before the owner role had its objects created
# by the superuser, and they are handed over here. The silos' schema owner grants the silo role the use of the
# CMS tables at every silo start. The SQL goes through stdin so that no password shows in a process list.
pg_ensure_roles() {
  local bin=$1 port=$2 password=$3 owner_password=$4 silo_password=$5
  PGPASSWORD="$password" "$bin/psql" -h 127.0.0.1 -p "$port" -U "$PG_DB_USER" -d postgres -qAt -v ON_ERROR_STOP=1 >/dev/null <<SQL ||
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_OWNER_USER') THEN CREATE ROLE $PG_OWNER_USER; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_SILO_USER') THEN CREATE ROLE $PG_SILO_USER; END IF;
END \$\$;
ALTER ROLE $PG_OWNER_USER LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '$owner_password';
ALTER ROLE $PG_SILO_USER LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '$silo_password';
ALTER DATABASE $PG_DB_NAME OWNER TO $PG_OWNER_USER;
SQL
    { echo "cms: could not create the PostgreSQL roles $PG_OWNER_USER and $PG_SILO_USER" >&2; return 1; }
  PGPASSWORD="$password" "$bin/psql" -h 127.0.0.1 -p "$port" -U "$PG_DB_USER" -d "$PG_DB_NAME" -qAt -v ON_ERROR_STOP=1 >/dev/null <<SQL ||
DO \$\$ DECLARE r record; BEGIN
  -- Tables carry their indexes, row types and column sequences along; other sequences and routines go one by one.
  FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relowner <> '$PG_OWNER_USER'::regrole AND (c.relkind IN ('r', 'p', 'v', 'm')
             OR (c.relkind = 'S' AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))) LOOP
    EXECUTE format('ALTER %s %s OWNER TO $PG_OWNER_USER',
      CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, r.name);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public' AND p.proowner <> '$PG_OWNER_USER'::regrole LOOP
    EXECUTE format('ALTER ROUTINE %s OWNER TO $PG_OWNER_USER', r.name);
  END LOOP;
END \$\$;
SQL
    { echo "cms: could not hand the CMS database's objects to $PG_OWNER_USER" >&2; return 1; }
}

pg_stop() {
  local name=$1 home bin
  home=$(cat "$CMS_HOME/$name.home" 2>/dev/null) || return 0
  bin=$(pg_bindir) || return 0
  [ -f "$home/data/postmaster.pid" ] || return 0
  pg_as_owner "$bin/pg_ctl" stop -D "$home/data" -m fast -w -t 60 >/dev/null 2>&1
}

pg_listen_also() {
  local name=$1 address=$2 cidr=$3 home bin
  home=$(cat "$CMS_HOME/$name.home") && bin=$(pg_bindir) || return 1
  printf "listen_addresses = '127.0.0.1,%s'\n" "$address" | pg_as_owner tee -a "$home/data/postgresql.conf" >/dev/null &&
    printf 'host all all %s scram-sha-256\n' "$cidr" | pg_as_owner tee -a "$home/data/pg_hba.conf" >/dev/null &&
    pg_as_owner "$bin/pg_ctl" restart -D "$home/data" -m fast -w -t 60 -o "-p $(cat "$home/port")" -l "$home/server.log" >/dev/null ||
    { echo "cms: PostgreSQL did not restart on $address, see $home/server.log" >&2; return 1; }
}

# Drops the CMS database of a running server (pg_start creates it again).
pg_drop_database() {
  local home
  home=$(cat "$CMS_HOME/$1.home")
  PGPASSWORD=$(cat "$home/password") "$(pg_bindir)/psql" -h 127.0.0.1 -p "$(cat "$home/port")" -U "$PG_DB_USER" -d postgres -qc \
    "DROP DATABASE IF EXISTS $PG_DB_NAME WITH (FORCE)" >/dev/null
}

pg_running() {
  local home
  home=$(cat "$CMS_HOME/$1.home" 2>/dev/null) || return 1
  [ -f "$home/data/postmaster.pid" ] && pg_as_owner "$(pg_bindir)/pg_ctl" status -D "$home/data" >/dev/null 2>&1
}

pg_url() {
  local name=$1 home
  home=$(cat "$CMS_HOME/$name.home")
  echo "Host=127.0.0.1;Port=$(cat "$home/port");Username=$PG_OWNER_USER;Password=$(cat "$home/owner-password");Database=$PG_DB_NAME"
}

pg_admin_url() {
  local name=$1 home
  home=$(cat "$CMS_HOME/$name.home")
  echo "Host=127.0.0.1;Port=$(cat "$home/port");Username=$PG_DB_USER;Password=$(cat "$home/password");Database=$PG_DB_NAME"
}

pg_silo_url() {
  local name=$1 home
  home=$(cat "$CMS_HOME/$name.home")
  echo "Host=127.0.0.1;Port=$(cat "$home/port");Username=$PG_SILO_USER;Password=$(cat "$home/silo-password");Database=$PG_DB_NAME"
}
