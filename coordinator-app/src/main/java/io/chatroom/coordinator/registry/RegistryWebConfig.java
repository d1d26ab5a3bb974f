package io.chatroom.coordinator.registry;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Puts the cluster-key check in front of the registry's write endpoints. */
@Configuration(proxyBeanMethods = false)
class RegistryWebConfig implements WebMvcConfigurer {
    private final ClusterKeyInterceptor clusterKey;

    RegistryWebConfig(ClusterKeyInterceptor clusterKey) {
        this.clusterKey = clusterKey;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(clusterKey)
                .addPathPatterns(RegistryController.HEARTBEAT_PATH, RegistryController.SERVER_PATH);
    }
}
