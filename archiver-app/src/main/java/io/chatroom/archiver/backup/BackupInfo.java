package io.chatroom.archiver.backup;

import java.time.Instant;

/** One backup file: verified is false when pg_restore --list refused it (kept as .failed). */
public record BackupInfo(String name, long size, Instant time, boolean verified) {}
