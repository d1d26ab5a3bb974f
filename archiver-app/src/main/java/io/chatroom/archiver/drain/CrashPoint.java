package io.chatroom.archiver.drain;

/** The steps between which a crash must lose and duplicate nothing. */
enum CrashPoint {
    /** Messages moved from the queue to the processing list, nothing written yet. */
    AFTER_MOVE,
    /** Rows inserted inside the open transaction, not committed. */
    AFTER_INSERT_BEFORE_COMMIT,
    /** Transaction committed, the batch still in the processing list. */
    AFTER_COMMIT_BEFORE_REMOVE
}
