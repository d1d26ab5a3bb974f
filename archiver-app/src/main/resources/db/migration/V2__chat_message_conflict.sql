-- Dead letters: a message that reached the archive for a (room, seq) already holding another
-- message id. It is kept here in full, never dropped; chat_message keeps the first one. A retried
-- batch adds nothing twice (primary key).
create table chat_message_conflict (
    room        text        not null,
    seq         bigint      not null,
    id          text        not null,
    sender      text        not null,
    text        text        not null,
    sent_at     timestamptz not null,
    -- The id chat_message holds at (room, seq).
    stored_id   text        not null,
    detected_at timestamptz not null default now(),
    primary key (room, seq, id)
);
