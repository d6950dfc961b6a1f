-- Alkemy schema, PostgreSQL edition.
--
-- Run as the role that owns the tables (the migration role). The application
-- connects as a login role that is a member of `alkemy_app` and owns nothing.
-- Every tenant table has row-level security enabled AND forced; policies
-- follow ownership and shares, for the user the application sets per
-- transaction with set_config('alkemy.user_id', <uuid>, true). With no user
-- set, no row is visible. Cross-tenant operations (log-in, token look-up, the
-- job queue's claims) are SECURITY DEFINER functions owned by `alkemy_system`,
-- a NOLOGIN role whose only policies are on the rows those functions touch.

DO $$
BEGIN
    BEGIN
        CREATE ROLE alkemy_app NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
    BEGIN
        CREATE ROLE alkemy_system NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
END
$$;

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL UNIQUE,
    display_name  text NOT NULL,
    password_hash text,
    created_at    bigint NOT NULL
);

CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         text NOT NULL,
    token_hash   bytea NOT NULL UNIQUE,
    created_at   bigint NOT NULL,
    last_used_at bigint
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE projects (
    id          uuid PRIMARY KEY,
    owner_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title       text NOT NULL,
    description text NOT NULL,
    tags        jsonb NOT NULL,
    settings    jsonb NOT NULL,
    is_template boolean NOT NULL,
    shot_style  text,
    version     bigint NOT NULL,
    created_at  bigint NOT NULL,
    updated_at  bigint NOT NULL,
    deleted_at  bigint
);
CREATE INDEX projects_owner ON projects(owner_id);

CREATE TABLE project_shares (
    project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('viewer', 'editor', 'owner')),
    created_at bigint NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_shares_user ON project_shares(user_id);

CREATE TABLE activity (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id    uuid NOT NULL,
    action     text NOT NULL,
    detail     jsonb NOT NULL,
    created_at bigint NOT NULL
);
CREATE INDEX activity_project ON activity(project_id, id);

CREATE TABLE script_versions (
    id           uuid PRIMARY KEY,
    project_id   uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    number       bigint NOT NULL,
    source_name  text NOT NULL,
    format       text NOT NULL,
    text         text NOT NULL,
    content_hash text NOT NULL,
    created_by   uuid NOT NULL,
    created_at   bigint NOT NULL,
    UNIQUE (project_id, number)
);

CREATE TABLE analyses (
    id                uuid PRIMARY KEY,
    project_id        uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    script_version_id uuid NOT NULL REFERENCES script_versions(id) ON DELETE CASCADE,
    breakdown         jsonb NOT NULL,
    enrichment        jsonb,
    created_at        bigint NOT NULL
);
CREATE INDEX analyses_project ON analyses(project_id, created_at);

CREATE TABLE shots (
    project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    shot_id    text NOT NULL,
    position   bigint NOT NULL,
    shot       jsonb NOT NULL,
    overrides  jsonb NOT NULL,
    PRIMARY KEY (project_id, shot_id)
);

CREATE TABLE assets (
    id            uuid PRIMARY KEY,
    project_id    uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    kind          text NOT NULL,
    storage_key   text NOT NULL,
    mime          text NOT NULL,
    size_bytes    bigint NOT NULL,
    content_hash  text NOT NULL,
    width         bigint,
    height        bigint,
    duration_ms   bigint,
    inputs_hash   text,
    provider      text,
    model         text,
    seed          text,
    cost_micros   bigint NOT NULL,
    parent_id     uuid,
    variant_of    uuid,
    shot_id       text,
    job_id        uuid,
    created_by    uuid NOT NULL,
    created_at    bigint NOT NULL,
    UNIQUE (project_id, storage_key)
);
CREATE INDEX assets_inputs ON assets(project_id, kind, inputs_hash);

CREATE TABLE characters (
    id              uuid PRIMARY KEY,
    project_id      uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name            text NOT NULL,
    description     text NOT NULL,
    reference_asset uuid,
    UNIQUE (project_id, name)
);

CREATE TABLE identities (
    id            uuid PRIMARY KEY,
    project_id    uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    character_id  uuid NOT NULL REFERENCES characters(id) ON DELETE CASCADE,
    provider      text NOT NULL,
    model         text NOT NULL,
    trigger_word  text NOT NULL,
    status        text NOT NULL,
    weights_asset uuid,
    created_at    bigint NOT NULL
);

CREATE TABLE moodboards (
    id         uuid PRIMARY KEY,
    project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name       text NOT NULL,
    summary    text NOT NULL,
    palette    jsonb NOT NULL,
    keywords   jsonb NOT NULL,
    created_at bigint NOT NULL
);

CREATE TABLE moodboard_items (
    id           uuid PRIMARY KEY,
    project_id   uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    moodboard_id uuid NOT NULL REFERENCES moodboards(id) ON DELETE CASCADE,
    position     bigint NOT NULL,
    asset_id     uuid,
    caption      text NOT NULL
);
CREATE INDEX moodboard_items_board ON moodboard_items(moodboard_id, position);

CREATE TABLE timelines (
    id         uuid PRIMARY KEY,
    project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name       text NOT NULL,
    fps        bigint NOT NULL,
    width      bigint NOT NULL,
    height     bigint NOT NULL,
    markers    jsonb NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);

CREATE TABLE timeline_clips (
    timeline_id uuid NOT NULL REFERENCES timelines(id) ON DELETE CASCADE,
    project_id  uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    track       bigint NOT NULL,
    track_name  text NOT NULL,
    track_kind  text NOT NULL,
    position    bigint NOT NULL,
    shot_id     text,
    item        jsonb NOT NULL,
    PRIMARY KEY (timeline_id, track, position)
);

CREATE TABLE jobs (
    id               uuid PRIMARY KEY,
    project_id       uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    created_by       uuid NOT NULL,
    kind             text NOT NULL,
    state            text NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    payload          jsonb NOT NULL,
    priority         bigint NOT NULL,
    attempts         bigint NOT NULL,
    max_attempts     bigint NOT NULL,
    backoff_ms       bigint NOT NULL,
    run_after        bigint NOT NULL,
    worker           text,
    lease_token      uuid,
    lease_expires_at bigint,
    progress         real NOT NULL,
    progress_message text,
    result           jsonb,
    error            text,
    cancelled_by     uuid,
    seq              bigint NOT NULL,
    created_at       bigint NOT NULL,
    updated_at       bigint NOT NULL,
    finished_at      bigint
);
CREATE INDEX jobs_runnable ON jobs(state, run_after);
CREATE INDEX jobs_project ON jobs(project_id, seq);

CREATE TABLE job_deps (
    job_id     uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    depends_on uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    PRIMARY KEY (job_id, depends_on)
);
CREATE INDEX job_deps_reverse ON job_deps(depends_on);

CREATE TABLE usage_records (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    project_id   uuid REFERENCES projects(id) ON DELETE CASCADE,
    job_id       uuid,
    provider     text NOT NULL,
    model        text NOT NULL,
    cost_micros  bigint NOT NULL,
    shot_id      text,
    request_hash text NOT NULL,
    record       jsonb NOT NULL,
    created_at   bigint NOT NULL
);
CREATE INDEX usage_project ON usage_records(project_id);
CREATE INDEX usage_user ON usage_records(user_id);

CREATE TABLE provider_keys (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider   text NOT NULL,
    label      text NOT NULL,
    ciphertext bytea NOT NULL,
    nonce      bytea NOT NULL,
    created_at bigint NOT NULL,
    UNIQUE (user_id, provider, label)
);

-- ---------------------------------------------------------------------------
-- Privileges: the app may read and write rows (subject to policies), never
-- change the schema; alkemy_system only what its functions need.

GRANT USAGE ON SCHEMA public TO alkemy_app, alkemy_system;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO alkemy_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO alkemy_app;
REVOKE ALL ON _sqlx_migrations FROM alkemy_app;
GRANT SELECT, INSERT, UPDATE ON users, api_tokens TO alkemy_system;
GRANT SELECT ON projects, project_shares, job_deps TO alkemy_system;
GRANT SELECT, UPDATE ON jobs TO alkemy_system;

-- ---------------------------------------------------------------------------
-- Who is asking.

CREATE FUNCTION alkemy_current_user() RETURNS uuid
LANGUAGE sql STABLE
AS $$ SELECT NULLIF(current_setting('alkemy.user_id', true), '')::uuid $$;

-- Projects the current user may read / change. SECURITY DEFINER so that the
-- policies on projects and shares do not recurse into each other.
CREATE FUNCTION alkemy_readable_projects() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
    SELECT coalesce(array_agg(id), '{}') FROM (
        SELECT p.id FROM projects p WHERE p.owner_id = alkemy_current_user()
        UNION
        SELECT s.project_id FROM project_shares s WHERE s.user_id = alkemy_current_user()
    ) t
$$;

CREATE FUNCTION alkemy_writable_projects() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
    SELECT coalesce(array_agg(id), '{}') FROM (
        SELECT p.id FROM projects p WHERE p.owner_id = alkemy_current_user()
        UNION
        SELECT s.project_id FROM project_shares s
        WHERE s.user_id = alkemy_current_user() AND s.role IN ('editor', 'owner')
    ) t
$$;

CREATE FUNCTION alkemy_owned_projects() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
    SELECT coalesce(array_agg(id), '{}') FROM (
        SELECT p.id FROM projects p WHERE p.owner_id = alkemy_current_user()
        UNION
        SELECT s.project_id FROM project_shares s
        WHERE s.user_id = alkemy_current_user() AND s.role = 'owner'
    ) t
$$;

-- ---------------------------------------------------------------------------
-- Cross-tenant operations.

CREATE FUNCTION alkemy_user_by_email(p_email text)
RETURNS TABLE (id uuid, email text, display_name text, password_hash text, created_at bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
    SELECT u.id, u.email, u.display_name, u.password_hash, u.created_at
    FROM users u WHERE u.email = lower(p_email)
$$;

CREATE FUNCTION alkemy_user_by_token(p_hash bytea, p_now bigint)
RETURNS TABLE (id uuid, email text, display_name text, password_hash text, created_at bigint)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
    WITH t AS (
        UPDATE api_tokens SET last_used_at = p_now WHERE token_hash = p_hash RETURNING user_id
    )
    SELECT u.id, u.email, u.display_name, u.password_hash, u.created_at
    FROM users u JOIN t ON t.user_id = u.id
$$;

CREATE FUNCTION alkemy_project_owner(p_project uuid) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT owner_id FROM projects WHERE id = p_project $$;

-- Claims up to p_limit runnable jobs: queued and due with every dependency
-- succeeded, or running with an expired lease. SKIP LOCKED lets many
-- workers claim at once without blocking or double-claiming.
CREATE FUNCTION alkemy_claim_jobs(p_worker text, p_kinds text[], p_limit integer, p_lease_ms bigint)
RETURNS SETOF jobs
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
    -- A job whose worker died on its last attempt fails instead of running forever.
    UPDATE jobs SET state = 'failed', lease_token = NULL, lease_expires_at = NULL,
        error = 'lease expired on the last attempt (worker ' || coalesce(worker, '?') || ')',
        finished_at = (extract(epoch FROM clock_timestamp()) * 1000)::bigint,
        updated_at = (extract(epoch FROM clock_timestamp()) * 1000)::bigint
    WHERE state = 'running' AND kind = ANY (p_kinds)
      AND lease_expires_at < (extract(epoch FROM clock_timestamp()) * 1000)::bigint
      AND attempts >= max_attempts;
    WITH now_ms AS (
        SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS t
    ), picked AS (
        SELECT j.id FROM jobs j, now_ms
        WHERE j.kind = ANY (p_kinds)
          AND ((j.state = 'queued' AND j.run_after <= now_ms.t)
               OR (j.state = 'running' AND j.lease_expires_at < now_ms.t))
          AND NOT EXISTS (
              SELECT 1 FROM job_deps d JOIN jobs p ON p.id = d.depends_on
              WHERE d.job_id = j.id AND p.state <> 'succeeded')
        ORDER BY j.priority DESC, j.run_after, j.created_at, j.seq
        LIMIT p_limit
        FOR UPDATE OF j SKIP LOCKED
    )
    UPDATE jobs j SET
        state = 'running',
        attempts = j.attempts + 1,
        worker = p_worker,
        lease_token = gen_random_uuid(),
        lease_expires_at = now_ms.t + p_lease_ms,
        error = CASE WHEN j.state = 'running' THEN 'lease expired (worker ' || coalesce(j.worker, '?') || ')' ELSE j.error END,
        updated_at = now_ms.t
    FROM picked, now_ms
    WHERE j.id = picked.id
    RETURNING j.*
$$;

REVOKE ALL ON FUNCTION alkemy_readable_projects(), alkemy_writable_projects(), alkemy_owned_projects(),
    alkemy_user_by_email(text), alkemy_user_by_token(bytea, bigint), alkemy_project_owner(uuid),
    alkemy_claim_jobs(text, text[], integer, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION alkemy_current_user(), alkemy_readable_projects(), alkemy_writable_projects(),
    alkemy_owned_projects(), alkemy_user_by_email(text), alkemy_user_by_token(bytea, bigint),
    alkemy_project_owner(uuid), alkemy_claim_jobs(text, text[], integer, bigint) TO alkemy_app;
GRANT EXECUTE ON FUNCTION alkemy_current_user() TO alkemy_system;

ALTER FUNCTION alkemy_readable_projects() OWNER TO alkemy_system;
ALTER FUNCTION alkemy_writable_projects() OWNER TO alkemy_system;
ALTER FUNCTION alkemy_owned_projects() OWNER TO alkemy_system;
ALTER FUNCTION alkemy_user_by_email(text) OWNER TO alkemy_system;
ALTER FUNCTION alkemy_user_by_token(bytea, bigint) OWNER TO alkemy_system;
ALTER FUNCTION alkemy_project_owner(uuid) OWNER TO alkemy_system;
ALTER FUNCTION alkemy_claim_jobs(text, text[], integer, bigint) OWNER TO alkemy_system;

-- ---------------------------------------------------------------------------
-- Row-level security: enabled and forced on every table.

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'api_tokens', 'projects', 'project_shares', 'activity',
        'script_versions', 'analyses', 'shots', 'assets', 'characters', 'identities',
        'moodboards', 'moodboard_items', 'timelines', 'timeline_clips', 'jobs', 'job_deps',
        'usage_records', 'provider_keys']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    END LOOP;
    -- Content tables: read with any role on the project, write as editor or owner.
    FOREACH t IN ARRAY ARRAY['activity', 'script_versions', 'analyses', 'shots', 'assets',
        'characters', 'identities', 'moodboards', 'moodboard_items', 'timelines',
        'timeline_clips', 'jobs', 'job_deps']
    LOOP
        EXECUTE format('CREATE POLICY read ON %I FOR SELECT TO alkemy_app
            USING (project_id = ANY ((SELECT alkemy_readable_projects())::uuid[]))', t);
        EXECUTE format('CREATE POLICY add ON %I FOR INSERT TO alkemy_app
            WITH CHECK (project_id = ANY ((SELECT alkemy_writable_projects())::uuid[]))', t);
        EXECUTE format('CREATE POLICY change ON %I FOR UPDATE TO alkemy_app
            USING (project_id = ANY ((SELECT alkemy_writable_projects())::uuid[]))
            WITH CHECK (project_id = ANY ((SELECT alkemy_writable_projects())::uuid[]))', t);
        EXECUTE format('CREATE POLICY remove ON %I FOR DELETE TO alkemy_app
            USING (project_id = ANY ((SELECT alkemy_writable_projects())::uuid[]))', t);
    END LOOP;
END
$$;

-- Users see and change only themselves; a new user row is made with its own
-- id set as the current user.
CREATE POLICY own ON users FOR ALL TO alkemy_app
    USING (id = alkemy_current_user()) WITH CHECK (id = alkemy_current_user());
CREATE POLICY own ON api_tokens FOR ALL TO alkemy_app
    USING (user_id = alkemy_current_user()) WITH CHECK (user_id = alkemy_current_user());
CREATE POLICY own ON provider_keys FOR ALL TO alkemy_app
    USING (user_id = alkemy_current_user()) WITH CHECK (user_id = alkemy_current_user());

-- Usage: your own, and any on projects you can read; recorded only as yourself.
CREATE POLICY read ON usage_records FOR SELECT TO alkemy_app
    USING (user_id = alkemy_current_user()
           OR project_id = ANY ((SELECT alkemy_readable_projects())::uuid[]));
CREATE POLICY add ON usage_records FOR INSERT TO alkemy_app
    WITH CHECK (user_id = alkemy_current_user()
                AND (project_id IS NULL OR project_id = ANY ((SELECT alkemy_writable_projects())::uuid[])));

-- Projects: read if owned or shared; made only as their owner; changed by
-- editors; deleted for good by owners.
CREATE POLICY read ON projects FOR SELECT TO alkemy_app
    USING (id = ANY ((SELECT alkemy_readable_projects())::uuid[]));
CREATE POLICY add ON projects FOR INSERT TO alkemy_app
    WITH CHECK (owner_id = alkemy_current_user());
CREATE POLICY change ON projects FOR UPDATE TO alkemy_app
    USING (id = ANY ((SELECT alkemy_writable_projects())::uuid[]))
    WITH CHECK (id = ANY ((SELECT alkemy_writable_projects())::uuid[]));
CREATE POLICY remove ON projects FOR DELETE TO alkemy_app
    USING (id = ANY ((SELECT alkemy_owned_projects())::uuid[]));

-- Shares: seen by everyone on the project, managed by its owners.
CREATE POLICY read ON project_shares FOR SELECT TO alkemy_app
    USING (project_id = ANY ((SELECT alkemy_readable_projects())::uuid[]));
CREATE POLICY manage ON project_shares FOR ALL TO alkemy_app
    USING (project_id = ANY ((SELECT alkemy_owned_projects())::uuid[]))
    WITH CHECK (project_id = ANY ((SELECT alkemy_owned_projects())::uuid[]));

-- What alkemy_system's functions touch.
CREATE POLICY system ON users FOR ALL TO alkemy_system USING (true) WITH CHECK (true);
CREATE POLICY system ON api_tokens FOR ALL TO alkemy_system USING (true) WITH CHECK (true);
CREATE POLICY system ON projects FOR SELECT TO alkemy_system USING (true);
CREATE POLICY system ON project_shares FOR SELECT TO alkemy_system USING (true);
CREATE POLICY system ON job_deps FOR SELECT TO alkemy_system USING (true);
CREATE POLICY system ON jobs FOR ALL TO alkemy_system USING (true) WITH CHECK (true);
