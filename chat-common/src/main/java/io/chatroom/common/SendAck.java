package io.chatroom.common;

/** Sent to the sender on {@code /user/queue/acks} once its message has a {@code seq}. */
public record SendAck(String clientMessageId, long seq) {

    /**
     * The ack as JSON, as Jackson would write it, without a serializer per message: a valid {@code
     * clientMessageId} ({@link ChatRules#isValidClientMessageId}) needs no escaping.
     *
     * @throws IllegalArgumentException if the id is not a valid one
     */
    public String toJson() {
        if (!ChatRules.isValidClientMessageId(clientMessageId)) {
            throw new IllegalArgumentException("not a valid clientMessageId");
        }
        return "{\"clientMessageId\":\"" + clientMessageId + "\",\"seq\":" + seq + "}";
    }
}
