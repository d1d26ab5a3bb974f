package io.chatroom.coordinator.auth;

import io.chatroom.coordinator.config.ChatroomProperties;
import jakarta.servlet.http.HttpServletRequest;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.security.web.util.matcher.IpAddressMatcher;
import org.springframework.stereotype.Component;

/**
 * The client address that throttling counts against. It is the TCP peer, unless the peer is one of
 * {@code chatroom.http.trusted-proxies}: then the {@code X-Forwarded-For} chain is read from the
 * right, skipping trusted proxies, so a client cannot pick its address by sending the header
 * itself. IPv6 clients count per /64 network, the block one subscriber usually holds.
 */
@Component
class ClientAddresses {
    static final String FORWARDED_FOR = "X-Forwarded-For";

    private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)";
    private static final Pattern IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");
    private static final Pattern IPV4_WITH_PORT = Pattern.compile("([0-9.]+):\\d{1,5}");
    private static final Pattern IPV6 = Pattern.compile("(?=.*:)[0-9A-Fa-f:][0-9A-Fa-f:.]*");
    private static final int IPV6_NETWORK_BYTES = 8;

    private final List<IpAddressMatcher> trustedProxies;

    ClientAddresses(ChatroomProperties properties) {
        List<String> proxies = properties.http().trustedProxies();
        this.trustedProxies =
                proxies == null
                        ? List.of()
                        : proxies.stream()
                                .map(String::trim)
                                .filter(p -> !p.isEmpty())
                                .map(IpAddressMatcher::new)
                                .toList();
    }

    /** The address (IPv4) or /64 network (IPv6) the request counts against. */
    String of(HttpServletRequest request) {
        InetAddress client = parse(request.getRemoteAddr());
        if (client == null) {
            return request.getRemoteAddr();
        }
        if (isTrusted(client)) {
            List<String> hops = forwardedFor(request);
            for (int i = hops.size() - 1; i >= 0; i--) {
                InetAddress hop = parse(hops.get(i));
                if (hop == null) {
                    // Not written by a proxy we trust: the last trusted hop is all we know.
                    break;
                }
                client = hop;
                if (!isTrusted(hop)) {
                    break;
                }
            }
        }
        return key(client);
    }

    private boolean isTrusted(InetAddress address) {
        String text = address.getHostAddress();
        return trustedProxies.stream().anyMatch(m -> m.matches(text));
    }

    private static List<String> forwardedFor(HttpServletRequest request) {
        List<String> hops = new ArrayList<>();
        for (String header : Collections.list(request.getHeaders(FORWARDED_FOR))) {
            hops.addAll(Arrays.asList(header.split(",")));
        }
        return hops;
    }

    private static String key(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] network = Arrays.copyOf(address.getAddress(), 16);
            Arrays.fill(network, IPV6_NETWORK_BYTES, network.length, (byte) 0);
            try {
                return InetAddress.getByAddress(network).getHostAddress() + "/64";
            } catch (UnknownHostException e) {
                throw new IllegalStateException("16 bytes are an IPv6 address", e);
            }
        }
        return address.getHostAddress();
    }

    /**
     * An IP literal (optionally with a port, IPv6 in brackets), else null. Never a DNS lookup: only
     * text that can only be an IP literal reaches {@link InetAddress#getByName}.
     */
    static InetAddress parse(String text) {
        if (text == null) {
            return null;
        }
        String s = text.trim();
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            s = end < 0 ? "" : s.substring(1, end);
        } else if (IPV4_WITH_PORT.matcher(s).matches()) {
            s = s.substring(0, s.indexOf(':'));
        }
        if (!IPV4.matcher(s).matches() && !IPV6.matcher(s).matches()) {
            return null;
        }
        try {
            // Starting with a hex digit or ':' and holding a ':', the JDK parses an IPv6 literal or
            // fails; dotted quads were checked above.
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
