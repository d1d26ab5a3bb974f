package io.chatroom.chat.session;

/** A CONNECT refused for a reason the client may read (never the token itself). */
class ConnectRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ConnectRefusedException(String message) {
        super(message);
    }
}
