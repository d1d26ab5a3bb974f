package io.chatroom.archiver.drain;

/** The steps between which a crash must lose and duplicate nothing. */
enum CrashPoint {
    /** A batch read from the head of the queue, nothing written yet. */
    AFTER_TAKE,
    /** Rows inserted inside the open transaction, not committed. */
    AFTER_INSERT_BEFORE_COMMIT,
    /** Transaction committed, the batch still at the head of the queue. */
    AFTER_COMMIT_BEFORE_REMOVE
}
