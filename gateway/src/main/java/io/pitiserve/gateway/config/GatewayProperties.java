package io.pitiserve.gateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import io.pitiserve.client.webhook.WebhookSecret;
import io.pitiserve.common.events.ModelNames;
import io.pitiserve.common.image.InputKind;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The gateway's own settings, prefix {@code pitiserve.gateway}.
 *
 * @param tenants          who may call the API: a name, the hex sha256 of its API key and the
 *                         object-key prefixes it may name as {@code s3://} inputs
 * @param models           the models operators declare, per task: they are routed to (and listed by
 *                         {@code GET /v1/models}) even while no worker serves them (scaled to zero);
 *                         models that workers announce on the catalogue topic are known too
 * @param maxInputSize     largest accepted input file
 * @param maxInputWidth    widest accepted input image, in pixels
 * @param maxInputHeight   tallest accepted input image, in pixels
 * @param resultUrlTtl     how long a presigned result URL stays valid
 * @param publishTimeout   how long a request may wait for Kafka to acknowledge a publication
 * @param maxWait          upper bound of {@code Prefer: wait=N}
 * @param sseTimeout       how long a Server-Sent Events stream stays open at most
 * @param retryAfter       the {@code Retry-After} sent with 503 answers
 * @param stateDir         where Kafka Streams keeps the status view's RocksDB stores
 * @param applicationId    the Kafka Streams application id shared by every gateway instance
 * @param unknownJobGrace  how long a read of a job this instance has no view of waits for one before
 *                         it answers 404: a job another instance accepted a moment ago reaches this
 *                         one's status view some milliseconds later (0 to 10 s)
 * @param workerGroup      the workers' consumer group, whose lag on each request lane is the model's queue depth
 */
@ConfigurationProperties("pitiserve.gateway")
public record GatewayProperties(
        @DefaultValue List<Tenant> tenants,
        @DefaultValue List<Model> models,
        @DefaultValue("8MB") DataSize maxInputSize,
        @DefaultValue("4096") int maxInputWidth,
        @DefaultValue("4096") int maxInputHeight,
        @DefaultValue("1h") Duration resultUrlTtl,
        @DefaultValue("10s") Duration publishTimeout,
        @DefaultValue("60s") Duration maxWait,
        @DefaultValue("30m") Duration sseTimeout,
        @DefaultValue("5s") Duration retryAfter,
        @DefaultValue("${java.io.tmpdir}/pitiserve-gateway-state") Path stateDir,
        @DefaultValue("pitiserve-gateway-status") String applicationId,
        @DefaultValue("2s") Duration unknownJobGrace,
        @DefaultValue("pitiserve-worker") String workerGroup) {

    public GatewayProperties {
        tenants = List.copyOf(tenants);
        models = List.copyOf(models);
        for (int i = 0; i < tenants.size(); i++) {
            Tenant tenant = tenants.get(i);
            String key = "pitiserve.gateway.tenants[" + i + "]";
            if (tenant.name() == null || !tenant.name().matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException(key + ".name must be 1..64 of A-Z a-z 0-9 . _ -, was '"
                        + tenant.name() + "'");
            }
            if (tenant.apiKeySha256() == null || !tenant.apiKeySha256().matches("[0-9a-fA-F]{64}")) {
                throw new IllegalArgumentException(key + ".api-key-sha256 must be 64 hex digits (sha256 of the key)");
            }
            for (int j = 0; j < tenant.webhookSecrets().size(); j++) {
                if (!WebhookSecret.isValid(tenant.webhookSecrets().get(j))) {
                    throw new IllegalArgumentException(key + (tenant.webhookSecret() != null && j == 0
                            ? ".webhook-secret" : ".webhook-secrets") + " must look like whsec_<base64 of 24..64"
                            + " bytes> (the value is not shown)");
                }
            }
            for (String prefix : tenant.readablePrefixes()) {
                if (prefix == null || prefix.isBlank() || prefix.startsWith("/")
                        || Arrays.stream(prefix.split("/", -1))
                        .anyMatch(segment -> segment.equals(".") || segment.equals(".."))) {
                    throw new IllegalArgumentException(key + ".readable-prefixes holds '" + prefix + "'; a prefix"
                            + " must be a non-blank object-key prefix such as uploads/" + tenant.name()
                            + "/, without a leading / or . and .. segments");
                }
            }
        }
        for (int i = 0; i < models.size(); i++) {
            Model model = models.get(i);
            if (model.task() == null || model.name() == null || model.name().isBlank()) {
                throw new IllegalArgumentException("pitiserve.gateway.models[" + i + "] needs a task and a name");
            }
            if (!ModelNames.isValid(model.name())) {
                throw new IllegalArgumentException("pitiserve.gateway.models[" + i + "].name '" + model.name()
                        + "' must be 1 to 100 of A-Z a-z 0-9 . _ - (it names the model's request lane topic)");
            }
            if (!isTask(model.task())) {
                throw new IllegalArgumentException("pitiserve.gateway.models[" + i + "].task must be mask, sketch"
                        + " or depth, was '" + model.task() + "'");
            }
            for (int j = 0; j < i; j++) {
                if (models.get(j).name().equals(model.name())) {
                    throw new IllegalArgumentException("pitiserve.gateway.models[" + i + "] declares "
                            + model.name() + " a second time");
                }
            }
        }
        if (maxWait.isNegative() || maxWait.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new IllegalArgumentException("pitiserve.gateway.max-wait must be within 0..60s, was " + maxWait);
        }
        if (unknownJobGrace.isNegative() || unknownJobGrace.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalArgumentException("pitiserve.gateway.unknown-job-grace must be within 0..10s, was "
                    + unknownJobGrace);
        }
        if (workerGroup == null || workerGroup.isBlank()) {
            throw new IllegalArgumentException("pitiserve.gateway.worker-group must not be blank");
        }
        if (publishTimeout.isNegative() || publishTimeout.isZero()) {
            throw new IllegalArgumentException("pitiserve.gateway.publish-timeout must be positive, was " + publishTimeout);
        }
    }

    private static boolean isTask(String task) {
        try {
            InputKind.fromWireName(task);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * A tenant and the hex sha256 of its API key (the key itself is never configured).
     *
     * @param name              tenant name; becomes part of object keys, so no slashes
     * @param apiKeySha256      hex sha256 of the UTF-8 API key
     * @param readablePrefixes  object-key prefixes (in the service bucket) whose objects the tenant may
     *                          submit as {@code {"input": {"s3": "s3://bucket/key"}}}; empty for the
     *                          default, {@code uploads/{name}/}
     * @param webhookSecret     the {@code whsec_...} secret that signs the tenant's webhooks
     * @param webhookSecrets    more active secrets during a rotation: every one signs each webhook
     *                          ({@link #webhookSecrets()} returns them all, {@code webhook-secret} first)
     */
    public record Tenant(String name, String apiKeySha256, @DefaultValue List<String> readablePrefixes,
                         String webhookSecret, @DefaultValue List<String> webhookSecrets) {

        @ConstructorBinding
        public Tenant {
            readablePrefixes = readablePrefixes == null || readablePrefixes.isEmpty()
                    ? List.of("uploads/" + name + "/")
                    : List.copyOf(readablePrefixes);
            List<String> all = new java.util.ArrayList<>();
            if (webhookSecret != null && !webhookSecret.isBlank()) {
                all.add(webhookSecret.strip());
            }
            if (webhookSecrets != null) {
                webhookSecrets.stream().filter(s -> s != null && !s.isBlank()).map(String::strip)
                        .filter(s -> !all.contains(s)).forEach(all::add);
            }
            webhookSecrets = List.copyOf(all);
        }

        public Tenant(String name, String apiKeySha256, List<String> readablePrefixes) {
            this(name, apiKeySha256, readablePrefixes, null, List.of());
        }

        @Override
        public String toString() {
            return "Tenant[name=" + name + ", readablePrefixes=" + readablePrefixes + ", webhookSecrets="
                    + webhookSecrets.size() + "]";
        }
    }

    /**
     * A model a client may ask for.
     *
     * @param task         mask, sketch or depth
     * @param name         model name, e.g. {@code piti-mask}
     * @param version      model version, e.g. {@code 2022-05}; clients may name either
     * @param defaultModel whether a request of its task that names no model runs on it
     */
    public record Model(String task, String name, String version,
                       @DefaultValue("false") boolean defaultModel) {
    }
}
