package io.chatroom.archiver.config;

import io.chatroom.common.RedisKeys;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** CORS for the web UI's origins on the read-only API, and the shared infrastructure beans. */
@Configuration
@EnableScheduling
class WebConfig implements WebMvcConfigurer {
    private final ChatroomProperties properties;

    WebConfig(ChatroomProperties properties) {
        this.properties = properties;
    }

    @Override
    public void addCorsMappings(CorsRegistry registry) {
        registry.addMapping("/api/**")
                .allowedOrigins(properties.allowedOrigins().toArray(String[]::new))
                .allowedMethods("GET", "HEAD")
                .allowedHeaders("*")
                .allowCredentials(false);
    }

    @Bean
    RedisKeys redisKeys() {
        return new RedisKeys(properties.redis().keyPrefix());
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
