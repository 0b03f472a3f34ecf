CREATE TABLE IF NOT EXISTS accounts (
    id serial PRIMARY KEY,
    balance_cents bigint NOT NULL CONSTRAINT no_overdraft CHECK (balance_cents >= 0)
);
