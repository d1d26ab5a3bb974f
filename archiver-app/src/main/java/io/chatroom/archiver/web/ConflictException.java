package io.chatroom.archiver.web;

/** The request clashes with work in progress (409). */
public class ConflictException extends RuntimeException {
    public ConflictException(String message) {
        super(message);
    }
}
