package io.chatroom.chat.room;

import io.chatroom.chat.stomp.FrameSink;
import io.chatroom.chat.stomp.FrameTarget;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Sessions that keep every frame written to them, parsed just enough to check a stream. */
final class RecordingSink implements FrameSink {
    private final Map<String, Session> sessions = new HashMap<>();

    /** One parsed frame: its command, headers and body. */
    record Frame(String command, Map<String, String> headers, String body) {
        long seq() {
            return MessageJson.seq(body);
        }
    }

    static final class Session implements FrameTarget {
        final List<Frame> frames = new ArrayList<>();
        boolean open = true;

        @Override
        public void offer(String frame) {
            if (!open) {
                return;
            }
            int headerEnd = frame.indexOf("\n\n");
            String[] lines = frame.substring(0, headerEnd).split("\n");
            Map<String, String> headers = new HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.putIfAbsent(lines[i].substring(0, colon), lines[i].substring(colon + 1));
            }
            String body = frame.substring(headerEnd + 2, frame.length() - 1);
            frames.add(new Frame(lines[0], headers, body));
        }

        @Override
        public void offer(byte[] utf8Frame) {
            offer(new String(utf8Frame, StandardCharsets.UTF_8));
        }

        @Override
        public boolean isWritable() {
            return open;
        }

        /** The seqs of the MESSAGE frames of one subscription, in the order written. */
        List<Long> seqs(String subscription) {
            return messages(subscription).stream().map(Frame::seq).toList();
        }

        List<Frame> messages(String subscription) {
            return frames.stream()
                    .filter(f -> f.command().equals("MESSAGE"))
                    .filter(f -> subscription.equals(f.headers().get("subscription")))
                    .toList();
        }
    }

    Session open(String sessionId) {
        return sessions.computeIfAbsent(sessionId, id -> new Session());
    }

    @Override
    public FrameTarget target(String sessionId) {
        return sessions.get(sessionId);
    }
}
