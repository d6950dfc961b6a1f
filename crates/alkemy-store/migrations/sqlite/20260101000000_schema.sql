-- Alkemy schema, SQLite edition. Ids are 16-byte UUID blobs, times are
-- milliseconds since the Unix epoch, JSON is text. Tenant isolation is
-- enforced by the store (see src/sql/); PostgreSQL adds row-level security.

CREATE TABLE users (
    id            BLOB PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT,
    created_at    INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id           BLOB PRIMARY KEY NOT NULL,
    user_id      BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE projects (
    id          BLOB PRIMARY KEY NOT NULL,
    owner_id    BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    tags        TEXT NOT NULL,
    settings    TEXT NOT NULL,
    is_template INTEGER NOT NULL,
    shot_style  TEXT,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    deleted_at  INTEGER
);
CREATE INDEX projects_owner ON projects(owner_id);

CREATE TABLE project_shares (
    project_id BLOB NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id    BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'owner')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_shares_user ON project_shares(user_id);

CREATE TABLE activity (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BLOB NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id    BLOB NOT NULL,
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX activity_project ON activity(project_id, id);

CREATE TABLE script_versions (
    id           BLOB PRIMARY KEY NOT NULL,
    project_id   BLOB NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    number       INTEGER NOT NULL,
    source_name  TEXT NOT NULL,
    format       TEXT NOT NULL,
    text         TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    created_by   BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (project_id, number)
);

CREATE TABLE analyses (
    id                BLOB PRIMARY KEY NOT NULL,
    project_id        BLOB NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    script_version_id BLOB NOT NULL REFERENCES script_versions(id) ON DELETE CASCADE,
    breakdown         TEXT NOT NULL,
    enrichment        TEXT,
    created_at        INTEGER NOT NULL
);
CREATE INDEX analyses_project ON analyses(project_id, created_at);

CREATE TABLE shots (
    project_id BLOB NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    shot_id    TEXT NOT NULL,
    position   INTEGER NOT NULL,
    shot       TEXT NOT NULL,
    overrides  TEXT NOT NULL,
    PRIMARY KEY (project_id, shot_id)
);

CREATE TABLE assets (
    id            BLOB PRIMARY KEY NOT NULL,
    project_id    BLOB NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    storage_key   TEXT NOT NULL,
    mime          TEXT NOT NULL,
    size_bytes    INTEGER NOT NULL,
    content_hash  TEXT NOT NULL,
    width         INTEGER,
    height        INTEGER,
    duration_ms   INTEGER,
    inputs_hash   TEXT,
    provider      TEXT,
    model         TEXT,
    seed          TEXT,
    cost_micros   INTEGER NOT NULL,
    parent_id     BLOB,
    variant_of    BLOB,
    shot_id       TEXT,
    job_id        BLOB,
    created_by    BLOB NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (project_id, storage_key)
);
CREATE INDEX assets_inputs ON assets(project_id, kind, inputs_hash);

CREATE TABLE characters (
    id              BLOB PRIMARY KEY NOT NULL,
    project_id      BLOB NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL,
    reference_asset BLOB,
    UNIQUE (project_id, name)
);

CREATE TABLE identities (
    id            BLOB PRIMARY KEY NOT NULL,
    project_id    BLOB NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    character_id  BLOB NOT NULL REFERENCES characters(id) ON DELETE CASCADE,
    provider      TEXT NOT NULL,
    model         TEXT NOT NULL,
    trigger_word  TEXT NOT NULL,
    status        TEXT NOT NULL,
    weights_asset BLOB,
    created_at    INTEGER NOT NULL
);

CREATE TABLE moodboards (
    id         BLOB PRIMARY KEY NOT NULL,
    project_id BLOB NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    summary    TEXT NOT NULL,
    palette    TEXT NOT NULL,
    keywords   TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE moodboard_items (
    id           BLOB PRIMARY KEY NOT NULL,
    project_id   BLOB NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    moodboard_id BLOB NOT NULL REFERENCES moodboards(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    asset_id     BLOB,
    caption      TEXT NOT NULL
);
CREATE INDEX moodboard_items_board ON moodboard_items(moodboard_id, position);

CREATE TABLE timelines (
    id         BLOB PRIMARY KEY NOT NULL,
    project_id BLOB NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    fps        INTEGER NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    markers    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE timeline_clips (
    timeline_id BLOB NOT NULL REFERENCES timelines(id) ON DELETE CASCADE,
    project_id  BLOB NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    track       INTEGER NOT NULL,
    track_name  TEXT NOT NULL,
    track_kind  TEXT NOT NULL,
    position    INTEGER NOT NULL,
    shot_id     TEXT,
    item        TEXT NOT NULL,
    PRIMARY KEY (timeline_id, track, position)
);

CREATE TABLE jobs (
    id               BLOB PRIMARY KEY NOT NULL,
    project_id       BLOB NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    created_by       BLOB NOT NULL,
    kind             TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    payload          TEXT NOT NULL,
    priority         INTEGER NOT NULL,
    attempts         INTEGER NOT NULL,
    max_attempts     INTEGER NOT NULL,
    backoff_ms       INTEGER NOT NULL,
    run_after        INTEGER NOT NULL,
    worker           TEXT,
    lease_token      BLOB,
    lease_expires_at INTEGER,
    progress         REAL NOT NULL,
    progress_message TEXT,
    result           TEXT,
    error            TEXT,
    cancelled_by     BLOB,
    seq              INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    finished_at      INTEGER
);
CREATE INDEX jobs_runnable ON jobs(state, run_after);
CREATE INDEX jobs_project ON jobs(project_id, seq);

CREATE TABLE job_deps (
    job_id     BLOB NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    depends_on BLOB NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    project_id BLOB NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    PRIMARY KEY (job_id, depends_on)
);
CREATE INDEX job_deps_reverse ON job_deps(depends_on);

CREATE TABLE usage_records (
    id           BLOB PRIMARY KEY NOT NULL,
    user_id      BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    project_id   BLOB REFERENCES projects(id) ON DELETE CASCADE,
    job_id       BLOB,
    provider     TEXT NOT NULL,
    model        TEXT NOT NULL,
    cost_micros  INTEGER NOT NULL,
    shot_id      TEXT,
    request_hash TEXT NOT NULL,
    record       TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX usage_project ON usage_records(project_id);
CREATE INDEX usage_user ON usage_records(user_id);

CREATE TABLE provider_keys (
    id         BLOB PRIMARY KEY NOT NULL,
    user_id    BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider   TEXT NOT NULL,
    label      TEXT NOT NULL,
    ciphertext BLOB NOT NULL,
    nonce      BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, provider, label)
);
