-- Accounts: the username keeps the spelling it was registered with, but is unique regardless of
-- case (enforced here, so two concurrent registrations cannot both win).
create table account (
    id            bigint generated always as identity primary key,
    username      varchar(32)  not null,
    password_hash varchar(200) not null,
    created_at    timestamptz  not null
);
create unique index account_username_lower_key on account (lower(username));

-- Logged-out tokens until they expire anyway; restored into Redis if Redis loses its data.
create table revoked_token (
    jti        varchar(64) primary key,
    expires_at timestamptz not null
);
create index revoked_token_expires_at_idx on revoked_token (expires_at);
