package io.chatroom.chat.config;

import io.chatroom.chat.stomp.InlineSendCompletions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.coyote.AbstractProtocol;
import org.apache.tomcat.util.threads.TaskQueue;
import org.apache.tomcat.util.threads.TaskThreadFactory;
import org.apache.tomcat.util.threads.ThreadPoolExecutor;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Gives Tomcat its usual thread pool, built as Tomcat builds it from the same settings ({@code
 * server.tomcat.threads.*}), except that a WebSocket send's completion that Tomcat hands to the
 * pool at once runs inline on the sending thread (see {@link InlineSendCompletions} for why). Runs
 * after Spring Boot's own customizer, so it reads the final thread settings; with virtual threads
 * on, Tomcat's executor is left alone.
 */
@Configuration(proxyBeanMethods = false)
class TomcatExecutorConfig
        implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>,
                Ordered,
                DisposableBean {
    private static final long MAX_IDLE_MILLIS = 60_000;

    private final List<ThreadPoolExecutor> pools = new CopyOnWriteArrayList<>();

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        factory.addConnectorCustomizers(
                connector -> {
                    if (connector.getProtocolHandler() instanceof AbstractProtocol<?> protocol
                            && protocol.getExecutor() == null) {
                        ThreadPoolExecutor pool = pool(protocol);
                        pools.add(pool);
                        protocol.setExecutor(pool);
                    }
                });
    }

    private static ThreadPoolExecutor pool(AbstractProtocol<?> protocol) {
        TaskQueue queue = new TaskQueue(protocol.getMaxQueueSize());
        TaskThreadFactory threads =
                new TaskThreadFactory("http-nio-exec-", true, protocol.getThreadPriority());
        ThreadPoolExecutor pool =
                new InlineCompletionPool(
                        protocol.getMinSpareThreads(), protocol.getMaxThreads(), queue, threads);
        queue.setParent(pool);
        return pool;
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    /** Tomcat stops only the executors it created itself. */
    @Override
    public void destroy() {
        pools.forEach(ThreadPoolExecutor::shutdown);
    }

    private static final class InlineCompletionPool extends ThreadPoolExecutor {
        InlineCompletionPool(
                int coreThreads, int maxThreads, TaskQueue queue, TaskThreadFactory threads) {
            super(coreThreads, maxThreads, MAX_IDLE_MILLIS, TimeUnit.MILLISECONDS, queue, threads);
        }

        @Override
        public void execute(Runnable task) {
            if (!InlineSendCompletions.runInline(task)) {
                super.execute(task);
            }
        }
    }
}
