package io.chatroom.archiver;

import io.chatroom.common.SecretCheck;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

@SpringBootApplication
@ConfigurationPropertiesScan
public class ArchiverApplication {

    public static void main(String[] args) {
        SpringApplication.run(ArchiverApplication.class, args);
    }

    /** Outside the dev/local profiles, refuses to start with a weak cluster key. */
    @Bean
    static SecretCheck secretCheck(Environment environment) {
        return new SecretCheck(environment, SecretCheck.CLUSTER_KEY);
    }
}
