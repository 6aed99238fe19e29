-- 0002: optional due dates on tasks (ISO 8601 dates, e.g. 2026-03-31).
ALTER TABLE tasks ADD COLUMN due_date TEXT;

CREATE INDEX idx_tasks_due_date ON tasks (due_date);
