package io.chatroom.chat.config;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.security.Principal;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.socket.WebSocketExtension;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.server.standard.StandardWebSocketUpgradeStrategy;

/**
 * The container's standard upgrade, except that no copy of the handshake request's headers is kept
 * for the life of the connection. Spring's WebSocket session and the container's handshake request
 * each copy every header (a browser sends a dozen or more, cookies and user agent included), and
 * nothing in the chat-app reads them after the handshake: the origin check, the protocol
 * negotiation and the container's own checks run before, and read the request itself.
 */
class HeaderlessUpgradeStrategy extends StandardWebSocketUpgradeStrategy {

    @Override
    public void upgrade(
            ServerHttpRequest request,
            ServerHttpResponse response,
            String selectedProtocol,
            List<WebSocketExtension> selectedExtensions,
            Principal user,
            WebSocketHandler wsHandler,
            Map<String, Object> attrs) {
        ServerHttpRequest withoutHeaderNames =
                new ServletServerHttpRequest(
                        new WithoutHeaderNames(getHttpServletRequest(request)));
        super.upgrade(
                withoutHeaderNames,
                response,
                selectedProtocol,
                selectedExtensions,
                user,
                wsHandler,
                attrs);
    }

    /**
     * A request that lists no header names, so that what copies all headers copies none; a header
     * asked for by name (the container's checks of the WebSocket key, version and extensions) is
     * still answered.
     */
    private static final class WithoutHeaderNames extends HttpServletRequestWrapper {
        WithoutHeaderNames(HttpServletRequest request) {
            super(request);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            return Collections.emptyEnumeration();
        }
    }
}
