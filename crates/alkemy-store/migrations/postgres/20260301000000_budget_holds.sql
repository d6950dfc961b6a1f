-- Budget holds: money reserved against a project's budget by a paid provider
-- call in flight, tied to the claim (lease token) of the job that made it.
--
-- A hold counts against the budget while its job is still running under
-- that lease and the lease has not expired; once settled (the call
-- succeeded, `actual_micros` set) it counts as spent until the job's commit
-- turns it into usage. Reservations lock the project row FOR UPDATE, so
-- concurrent workers on any machine decide one after another.
--
-- Row-level security as on the other content tables: read with any role on
-- the project, written as editor or owner (a job runs as who queued it).

CREATE TABLE budget_holds (
    id            uuid PRIMARY KEY,
    project_id    uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    job_id        uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    user_id       uuid NOT NULL,
    lease_token   uuid NOT NULL,
    amount_micros bigint NOT NULL CHECK (amount_micros >= 0),
    actual_micros bigint CHECK (actual_micros >= 0),
    model         text NOT NULL,
    capability    text NOT NULL,
    shot_id       text,
    request_hash  text NOT NULL,
    created_at    bigint NOT NULL
);
CREATE INDEX budget_holds_project ON budget_holds(project_id);
CREATE INDEX budget_holds_job ON budget_holds(job_id, lease_token);

GRANT SELECT, INSERT, UPDATE, DELETE ON budget_holds TO alkemy_app;

ALTER TABLE budget_holds ENABLE ROW LEVEL SECURITY;
ALTER TABLE budget_holds FORCE ROW LEVEL SECURITY;
CREATE POLICY read ON budget_holds FOR SELECT TO alkemy_app
    USING (project_id = ANY ((SELECT alkemy_readable_projects())::uuid[]));
CREATE POLICY add ON budget_holds FOR INSERT TO alkemy_app
    WITH CHECK (project_id = ANY ((SELECT alkemy_writable_projects())::uuid[]));
CREATE POLICY change ON budget_holds FOR UPDATE TO alkemy_app
    USING (project_id = ANY ((SELECT alkemy_writable_projects())::uuid[]))
    WITH CHECK (project_id = ANY ((SELECT alkemy_writable_projects())::uuid[]));
CREATE POLICY remove ON budget_holds FOR DELETE TO alkemy_app
    USING (project_id = ANY ((SELECT alkemy_writable_projects())::uuid[]));
