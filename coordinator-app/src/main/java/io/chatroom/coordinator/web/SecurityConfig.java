package io.chatroom.coordinator.web;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Stateless security: Bearer tokens (verified and checked against revocations by the app's {@link
 * JwtDecoder}) only on logout and fail-over assignment; the registry's write endpoints check the
 * cluster key themselves; everything else is public. Refusals are problem+json.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfig {
    private static final RequestMatcher BEARER_ENDPOINTS =
            new OrRequestMatcher(
                    PathPatternRequestMatcher.pathPattern(HttpMethod.POST, "/api/auth/logout"),
                    PathPatternRequestMatcher.pathPattern(HttpMethod.GET, "/api/chat-server"));

    @Bean
    SecurityFilterChain securityFilterChain(
            HttpSecurity http, JwtDecoder jwtDecoder, Problems problems) throws Exception {
        AuthenticationEntryPoint unauthorized =
                (request, response, e) -> {
                    response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
                    problems.write(
                            request,
                            response,
                            HttpStatus.UNAUTHORIZED,
                            "A valid, unexpired and not logged-out Bearer token is required");
                };
        AccessDeniedHandler forbidden =
                (request, response, e) ->
                        problems.write(request, response, HttpStatus.FORBIDDEN, "Not allowed");
        http.csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .httpBasic(basic -> basic.disable())
                .formLogin(form -> form.disable())
                .logout(logout -> logout.disable())
                .authorizeHttpRequests(
                        auth ->
                                auth.requestMatchers(BEARER_ENDPOINTS)
                                        .authenticated()
                                        .requestMatchers(
                                                "/actuator/health",
                                                "/actuator/health/**",
                                                "/actuator/prometheus",
                                                "/actuator/info")
                                        .permitAll()
                                        .requestMatchers("/actuator/**")
                                        .denyAll()
                                        // API, static UI files and unknown routes (404s) are
                                        // public.
                                        .anyRequest()
                                        .permitAll())
                .oauth2ResourceServer(
                        oauth ->
                                oauth.jwt(jwt -> jwt.decoder(jwtDecoder))
                                        .bearerTokenResolver(bearerOnlyWhereNeeded())
                                        .authenticationEntryPoint(unauthorized)
                                        .accessDeniedHandler(forbidden))
                .exceptionHandling(
                        ex ->
                                ex.authenticationEntryPoint(unauthorized)
                                        .accessDeniedHandler(forbidden));
        return http.build();
    }

    /**
     * Reads the Bearer token only where one is required, so a stale Authorization header on a
     * public endpoint (login, the UI) does not turn it into a 401.
     */
    private static BearerTokenResolver bearerOnlyWhereNeeded() {
        DefaultBearerTokenResolver resolver = new DefaultBearerTokenResolver();
        return (HttpServletRequest request) ->
                BEARER_ENDPOINTS.matches(request) ? resolver.resolve(request) : null;
    }
}
