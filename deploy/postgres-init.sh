#!/bin/sh
# First start of the compose PostgreSQL: the owner (migrations) and the application role (neither
# owner nor BYPASSRLS, so row-level security holds for every request); see DESIGN §3.
set -eu
psql -v ON_ERROR_STOP=1 --username postgres --dbname sympraxis <<SQL
CREATE ROLE sympraxis_owner LOGIN PASSWORD '${SYMPRAXIS_OWNER_PASSWORD}' NOSUPERUSER NOBYPASSRLS;
CREATE ROLE sympraxis_app LOGIN PASSWORD '${SYMPRAXIS_APP_PASSWORD}' NOSUPERUSER NOBYPASSRLS;
-- the cross-municipality reader: SELECT only (granted by the migrations), used by cross_tenant_read() alone
CREATE ROLE sympraxis_reader LOGIN PASSWORD '${SYMPRAXIS_READER_PASSWORD}' NOSUPERUSER NOBYPASSRLS;
ALTER DATABASE sympraxis OWNER TO sympraxis_owner;
ALTER SCHEMA public OWNER TO sympraxis_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO sympraxis_app, sympraxis_reader;
SQL
