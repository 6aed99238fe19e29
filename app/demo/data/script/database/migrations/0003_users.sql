-- 0003: user accounts for email/password sign-up and role-based access to /admin/*.
-- Additive only: no existing table or column changes, so it is safe to apply before the code ships.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL,  -- stored lower-cased by the service
    password_hash TEXT    NOT NULL,  -- scrypt$n$r$p$salt$hash, never the password
    role          TEXT    NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin')),
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Login looks users up by email, and an email may belong to one account only.
CREATE UNIQUE INDEX idx_users_email ON users (email);
