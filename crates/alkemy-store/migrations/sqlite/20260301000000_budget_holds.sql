-- Budget holds: money reserved against a project's budget by a paid provider
-- call in flight, tied to the claim (lease token) of the job that made it.
--
-- A hold counts against the budget while its job is still running under
-- that lease and the lease has not expired; once settled (the call
-- succeeded, `actual_micros` set) it counts as spent until the job's commit
-- turns it into usage (see src/sql/store_impl.rs, `budget_*`).

CREATE TABLE budget_holds (
    id            BLOB PRIMARY KEY NOT NULL,
    project_id    BLOB NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    job_id        BLOB NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    user_id       BLOB NOT NULL,
    lease_token   BLOB NOT NULL,
    amount_micros INTEGER NOT NULL CHECK (amount_micros >= 0),
    actual_micros INTEGER CHECK (actual_micros >= 0),
    model         TEXT NOT NULL,
    capability    TEXT NOT NULL,
    shot_id       TEXT,
    request_hash  TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX budget_holds_project ON budget_holds(project_id);
CREATE INDEX budget_holds_job ON budget_holds(job_id, lease_token);
