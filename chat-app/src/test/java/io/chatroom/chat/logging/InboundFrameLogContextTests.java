package io.chatroom.chat.logging;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.chat.session.ChatPrincipal;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHandler;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.ExecutorSubscribableChannel;
import org.springframework.messaging.support.MessageBuilder;

class InboundFrameLogContextTests {
    private final InboundFrameLogContext context = new InboundFrameLogContext();

    @Test
    void roomOnlyFromARoomDestinationWithAValidName() {
        assertThat(InboundFrameLogContext.roomOf("/app/rooms/ops")).isEqualTo("ops");
        assertThat(InboundFrameLogContext.roomOf("/topic/rooms/ops")).isEqualTo("ops");
        assertThat(InboundFrameLogContext.roomOf("/topic/rooms/ops/presence")).isEqualTo("ops");
        assertThat(InboundFrameLogContext.roomOf("/user/queue/acks")).isNull();
        assertThat(InboundFrameLogContext.roomOf("/app/rooms/Ops\nforged line")).isNull();
        assertThat(InboundFrameLogContext.roomOf(null)).isNull();
        assertThat(InboundFrameLogContext.roomOf("/topic/rooms/presence")).isEqualTo("presence");
        assertThat(InboundFrameLogContext.roomOf("/topic/rooms//presence")).isNull();
        assertThat(InboundFrameLogContext.roomOf("/topic/rooms/a/b")).isNull();
        assertThat(InboundFrameLogContext.roomOf("/topic/rooms/a/presence/presence")).isNull();
        assertThat(InboundFrameLogContext.roomOf("/app/rooms/")).isNull();
        assertThat(InboundFrameLogContext.roomOf("/queue/rooms/ops")).isNull();
    }

    @Test
    void contextWhileHandledAndGoneAfter() {
        Message<byte[]> send = frame(StompCommand.SEND, "/app/rooms/ops");
        ExecutorSubscribableChannel channel = new ExecutorSubscribableChannel();
        MessageHandler handler = message -> {};
        Map<String, String> during = new HashMap<>();

        context.beforeHandle(send, channel, handler);
        during.putAll(MDC.getCopyOfContextMap());
        context.afterMessageHandled(send, channel, handler, null);

        assertThat(during)
                .containsEntry(InboundFrameLogContext.SESSION, "s1")
                .containsEntry(InboundFrameLogContext.USER, "alice")
                .containsEntry(InboundFrameLogContext.ROOM, "ops");
        assertThat(MDC.get(InboundFrameLogContext.SESSION)).isNull();
        assertThat(MDC.get(InboundFrameLogContext.USER)).isNull();
        assertThat(MDC.get(InboundFrameLogContext.ROOM)).isNull();
    }

    @Test
    void contextWhileSentAndGoneAfterEvenWhenRefused() {
        Message<byte[]> subscribe = frame(StompCommand.SUBSCRIBE, "/topic/rooms/ops/presence");
        ExecutorSubscribableChannel channel = new ExecutorSubscribableChannel();

        context.preSend(subscribe, channel);
        assertThat(MDC.get(InboundFrameLogContext.ROOM)).isEqualTo("ops");
        context.afterSendCompletion(subscribe, channel, false, null);

        assertThat(MDC.get(InboundFrameLogContext.SESSION)).isNull();
        assertThat(MDC.get(InboundFrameLogContext.ROOM)).isNull();
    }

    private static Message<byte[]> frame(StompCommand command, String destination) {
        StompHeaderAccessor headers = StompHeaderAccessor.create(command);
        headers.setSessionId("s1");
        headers.setUser(new ChatPrincipal("alice", "token-id", Instant.now()));
        headers.setDestination(destination);
        return MessageBuilder.createMessage(new byte[0], headers.getMessageHeaders());
    }
}
