package io.chatroom.chat.room;

/** A subscription could not be set up because the room's store did not answer in time. */
public class RoomUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RoomUnavailableException(String message) {
        super(message);
    }
}
