package io.pitiserve.standalone;

import java.net.URL;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import org.springframework.core.env.Environment;
import org.springframework.core.env.StandardEnvironment;

/**
 * The all-in-one process logs through one Logback configuration for the broker, S3 and both
 * contexts, without Spring Boot's logging system. Spring Boot's structured formats still apply:
 * with {@code LOGGING_STRUCTURED_FORMAT_CONSOLE} (or {@code -Dlogging.structured.format.console})
 * set to {@code ecs}, {@code logstash} or {@code gelf}, every line is a JSON object with the MDC
 * (job id, trace and span ids) among its fields.
 */
final class StandaloneLogging {

    static final String CONFIGURATION = "pitiserve-standalone-logback.xml";
    static final String JSON_CONFIGURATION = "pitiserve-standalone-json-logback.xml";

    private StandaloneLogging() {
    }

    /**
     * Sends java.util.logging (Tomcat's) to SLF4J: Spring Boot's logging system, which would bridge
     * it, is off in this process. Idempotent.
     */
    static synchronized void bridgeJavaUtilLogging() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }

    /** Configures Logback; call before anything logs. */
    static void configure() {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", CONFIGURATION);
        }
        String format = System.getProperty("logging.structured.format.console",
                System.getenv("LOGGING_STRUCTURED_FORMAT_CONSOLE"));
        if (format == null || format.isBlank()) {
            return;
        }
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        URL configuration = StandaloneLogging.class.getClassLoader().getResource(JSON_CONFIGURATION);
        context.reset();
        // Spring Boot's structured log encoder reads the environment (service name and version, ...).
        context.putObject(Environment.class.getName(), new StandardEnvironment());
        context.putProperty("pitiserve.log.format", format.trim());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(configuration);
        } catch (JoranException e) {
            throw new IllegalStateException("cannot configure structured logging: " + e.getMessage(), e);
        }
    }
}
