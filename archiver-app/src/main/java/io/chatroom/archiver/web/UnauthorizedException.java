package io.chatroom.archiver.web;

/** Missing or wrong credentials (401). */
public class UnauthorizedException extends RuntimeException {
    public UnauthorizedException(String message) {
        super(message);
    }
}
