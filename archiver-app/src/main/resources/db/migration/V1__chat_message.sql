-- Every broadcast message, exactly once: the primary key (room, seq) makes a re-drained batch
-- harmless, and it is the index every history page walks.
create table chat_message (
    room        text        not null,
    seq         bigint      not null,
    id          text        not null,
    sender      text        not null,
    text        text        not null,
    sent_at     timestamptz not null,
    archived_at timestamptz not null default now(),
    primary key (room, seq)
);

-- One row per room, kept in the same transaction as the inserts, so GET /api/rooms and the
-- archived total never scan chat_message.
create table room_summary (
    room          text        primary key,
    messages      bigint      not null,
    last_seq      bigint      not null,
    last_activity timestamptz not null
);

create index room_summary_last_activity_idx on room_summary (last_activity desc);
