package io.chatroom.archiver.web;

/** A dependency (database, pg_dump, disk) failed; the caller may retry (503). */
public class UnavailableException extends RuntimeException {
    public UnavailableException(String message) {
        super(message);
    }
}
