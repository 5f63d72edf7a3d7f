import type { Migration } from '../../storage/index.js'

/**
 * The identity realm's tables. Lists (redirect URIs, grants) are JSON text so the same SQL runs on PGlite
 * and PostgreSQL without array-type differences. Secrets are stored only as hashes, except the signing
 * keys' private JWKs, which must be usable to sign (encrypted when a key-encryption secret is configured).
 */
const IDENTITY_SQL = `
CREATE TABLE govern_users (
  id text PRIMARY KEY,
  username text NOT NULL UNIQUE,
  email text,
  enabled boolean NOT NULL DEFAULT true,
  password_hash text,
  failed_attempts integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  service_client text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE govern_groups (name text PRIMARY KEY, description text NOT NULL DEFAULT '');
CREATE TABLE govern_roles (name text PRIMARY KEY, description text NOT NULL DEFAULT '');
CREATE TABLE govern_user_groups (
  user_id text NOT NULL REFERENCES govern_users(id) ON DELETE CASCADE,
  group_name text NOT NULL REFERENCES govern_groups(name) ON DELETE CASCADE,
  PRIMARY KEY (user_id, group_name)
);
CREATE TABLE govern_user_roles (
  user_id text NOT NULL REFERENCES govern_users(id) ON DELETE CASCADE,
  role_name text NOT NULL REFERENCES govern_roles(name) ON DELETE CASCADE,
  PRIMARY KEY (user_id, role_name)
);
CREATE TABLE govern_group_roles (
  group_name text NOT NULL REFERENCES govern_groups(name) ON DELETE CASCADE,
  role_name text NOT NULL REFERENCES govern_roles(name) ON DELETE CASCADE,
  PRIMARY KEY (group_name, role_name)
);
CREATE TABLE govern_clients (
  client_id text PRIMARY KEY,
  confidential boolean NOT NULL,
  secret_hash text,
  redirect_uris text NOT NULL DEFAULT '[]',
  grants text NOT NULL DEFAULT '[]',
  description text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE govern_signing_keys (
  kid text PRIMARY KEY,
  private_jwk text NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'previous', 'retired')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE govern_refresh_tokens (
  token_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES govern_users(id) ON DELETE CASCADE,
  client_id text NOT NULL REFERENCES govern_clients(client_id) ON DELETE CASCADE,
  session_id text NOT NULL,
  scope text NOT NULL,
  expires_at timestamptz NOT NULL,
  used boolean NOT NULL DEFAULT false
);
CREATE INDEX govern_refresh_tokens_session ON govern_refresh_tokens (session_id);
CREATE TABLE govern_auth_codes (
  code_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES govern_users(id) ON DELETE CASCADE,
  client_id text NOT NULL REFERENCES govern_clients(client_id) ON DELETE CASCADE,
  redirect_uri text NOT NULL,
  scope text NOT NULL,
  nonce text,
  code_challenge text,
  expires_at timestamptz NOT NULL,
  used boolean NOT NULL DEFAULT false
);
`

/** Migrations of the govern layer's identity realm; pass to `metastore.migrate`. */
export const IDENTITY_MIGRATIONS: readonly Migration[] = Object.freeze([
  Object.freeze({ id: 'govern/001-identity', seq: 100, sql: IDENTITY_SQL }),
])
