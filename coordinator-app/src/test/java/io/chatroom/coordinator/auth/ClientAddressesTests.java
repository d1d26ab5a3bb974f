package io.chatroom.coordinator.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroom.coordinator.config.ChatroomProperties;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.util.unit.DataSize;

class ClientAddressesTests {

    @Test
    void byDefaultTheTcpPeerIsTheClientWhateverTheHeaderSays() {
        ClientAddresses addresses = trusting(List.of());
        assertThat(addresses.of(request("203.0.113.7", "198.51.100.1"))).isEqualTo("203.0.113.7");
    }

    @Test
    void behindATrustedProxyTheRightmostUntrustedHopIsTheClient() {
        ClientAddresses addresses = trusting(List.of("10.0.0.0/8", "192.0.2.1"));
        assertThat(addresses.of(request("10.1.2.3", "198.51.100.1"))).isEqualTo("198.51.100.1");
        // Entries left of the first untrusted hop were written by the client: ignored.
        assertThat(addresses.of(request("10.1.2.3", "6.6.6.6, 198.51.100.1, 192.0.2.1")))
                .isEqualTo("198.51.100.1");
        // Several headers form one chain, and proxies may add a port.
        assertThat(addresses.of(request("10.1.2.3", "6.6.6.6", "198.51.100.1:4711, 10.9.9.9")))
                .isEqualTo("198.51.100.1");
        // A peer outside the trusted ranges is the client even if it sends the header.
        assertThat(addresses.of(request("203.0.113.7", "198.51.100.1"))).isEqualTo("203.0.113.7");
    }

    @Test
    void garbageOrAMissingHeaderLeavesTheLastTrustedHop() {
        ClientAddresses addresses = trusting(List.of("10.0.0.0/8"));
        assertThat(addresses.of(request("10.1.2.3"))).isEqualTo("10.1.2.3");
        assertThat(addresses.of(request("10.1.2.3", "evil.example.org, 10.4.4.4")))
                .isEqualTo("10.4.4.4");
        assertThat(addresses.of(request("10.1.2.3", "999.1.1.1"))).isEqualTo("10.1.2.3");
    }

    @Test
    void ipv6ClientsCountPerSlash64() {
        ClientAddresses addresses = trusting(List.of("::1"));
        assertThat(addresses.of(request("2001:db8:1:2:aaaa::1")))
                .isEqualTo("2001:db8:1:2:0:0:0:0/64");
        assertThat(addresses.of(request("::1", "[2001:db8:1:2:bbbb::9]:443")))
                .isEqualTo("2001:db8:1:2:0:0:0:0/64");
        // An IPv4 client seen through an IPv6 socket is still that IPv4 address.
        assertThat(addresses.of(request("::ffff:198.51.100.1"))).isEqualTo("198.51.100.1");
    }

    @Test
    void onlyIpLiteralsAreParsedNeverHostNames() {
        assertThat(ClientAddresses.parse("localhost")).isNull();
        assertThat(ClientAddresses.parse("cafe")).isNull();
        assertThat(ClientAddresses.parse("1.2.3")).isNull();
        assertThat(ClientAddresses.parse("01.2.3.4")).isNull();
        assertThat(ClientAddresses.parse(":")).isNull();
        assertThat(ClientAddresses.parse("[::1")).isNull();
        assertThat(ClientAddresses.parse(" 198.51.100.1 ")).isNotNull();
    }

    private static ClientAddresses trusting(List<String> proxies) {
        return new ClientAddresses(
                new ChatroomProperties(
                        null,
                        null,
                        null,
                        null,
                        null,
                        new ChatroomProperties.Http(DataSize.ofKilobytes(16), proxies)));
    }

    private static MockHttpServletRequest request(String peer, String... forwardedFor) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/auth/login");
        request.setRemoteAddr(peer);
        for (String header : forwardedFor) {
            request.addHeader(ClientAddresses.FORWARDED_FOR, header);
        }
        return request;
    }
}
