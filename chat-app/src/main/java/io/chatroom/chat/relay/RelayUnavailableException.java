package io.chatroom.chat.relay;

/** A subscription could not be set up because Redis did not answer in time. */
public class RelayUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RelayUnavailableException(String message) {
        super(message);
    }
}
