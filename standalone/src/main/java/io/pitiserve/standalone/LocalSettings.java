package io.pitiserve.standalone;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a local piti-serve keeps its data and on which loopback ports it listens. A port of 0
 * means any free port.
 *
 * @param dataDir              holds the broker's log, the S3 objects, the gateway's state stores,
 *                             extracted models and {@code credentials.properties}
 * @param host                 the address every server binds to and every URL names
 * @param httpPort             the gateway's REST API
 * @param kafkaPort            the broker's PLAINTEXT listener
 * @param kafkaControllerPort  the broker's KRaft controller listener
 * @param s3Port               the S3 API
 * @param bucket               the bucket holding inputs and results
 * @param modelDirs            the worker's model directories, each a model it serves on its own lane (and
 *                             the gateway declares); empty for the bundled demo models
 * @param properties           further Spring properties for both the gateway and the worker
 *                             (system properties and environment variables still override them)
 */
public record LocalSettings(Path dataDir, String host, int httpPort, int kafkaPort, int kafkaControllerPort,
                            int s3Port, String bucket, List<Path> modelDirs, Map<String, String> properties) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_HTTP_PORT = 8080;
    public static final int DEFAULT_KAFKA_PORT = 9092;
    public static final int DEFAULT_KAFKA_CONTROLLER_PORT = 9093;
    public static final int DEFAULT_S3_PORT = 9000;
    public static final String DEFAULT_BUCKET = "pitiserve";

    public LocalSettings {
        if (dataDir == null) {
            throw new IllegalArgumentException("a data directory is needed");
        }
        dataDir = dataDir.toAbsolutePath().normalize();
        modelDirs = modelDirs == null ? List.of()
                : modelDirs.stream().map(dir -> dir.toAbsolutePath().normalize()).toList();
        for (int port : new int[] {httpPort, kafkaPort, kafkaControllerPort, s3Port}) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
        }
        properties = Map.copyOf(properties);
    }

    /** The usual ports on 127.0.0.1 with the bundled model. */
    public static LocalSettings defaults(Path dataDir) {
        return new LocalSettings(dataDir, DEFAULT_HOST, DEFAULT_HTTP_PORT, DEFAULT_KAFKA_PORT,
                DEFAULT_KAFKA_CONTROLLER_PORT, DEFAULT_S3_PORT, DEFAULT_BUCKET, List.of(), Map.of());
    }

    /** Any free port for every server (tests, {@code demo}). */
    public static LocalSettings onFreePorts(Path dataDir) {
        return new LocalSettings(dataDir, DEFAULT_HOST, 0, 0, 0, 0, DEFAULT_BUCKET, List.of(), Map.of());
    }

    public LocalSettings withModelDir(Path dir) {
        return withModelDirs(List.of(dir));
    }

    public LocalSettings withModelDirs(List<Path> dirs) {
        return new LocalSettings(dataDir, host, httpPort, kafkaPort, kafkaControllerPort, s3Port, bucket, dirs,
                properties);
    }

    public LocalSettings withProperty(String key, String value) {
        Map<String, String> more = new LinkedHashMap<>(properties);
        more.put(key, value);
        return new LocalSettings(dataDir, host, httpPort, kafkaPort, kafkaControllerPort, s3Port, bucket, modelDirs,
                more);
    }
}
