package io.chatroom.coordinator.auth;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Register, log in, log out. */
@RestController
@RequestMapping("/api/auth")
class AuthController {
    private final AuthService auth;
    private final ClientAddresses clientAddresses;

    AuthController(AuthService auth, ClientAddresses clientAddresses) {
        this.auth = auth;
        this.clientAddresses = clientAddresses;
    }

    @PostMapping(path = "/register", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    AuthService.Registered register(
            @RequestBody AuthService.Credentials credentials, HttpServletRequest request) {
        return auth.register(credentials, clientAddresses.of(request));
    }

    @PostMapping(path = "/login", consumes = MediaType.APPLICATION_JSON_VALUE)
    AuthService.Login login(
            @RequestBody AuthService.Credentials credentials, HttpServletRequest request) {
        return auth.login(credentials, clientAddresses.of(request));
    }

    @PostMapping("/logout")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void logout(@AuthenticationPrincipal Jwt jwt) {
        auth.logout(jwt.getSubject(), jwt.getId(), jwt.getExpiresAt());
    }
}
