package io.pitiserve.gateway.submission;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.pitiserve.common.errors.ServiceException;
import io.pitiserve.common.storage.S3Properties;
import io.pitiserve.gateway.config.GatewayProperties;

import org.springframework.stereotype.Component;

/**
 * The keys of the service bucket a tenant's requests may name ({@code
 * pitiserve.gateway.tenants[i].readable-prefixes}, by default {@code uploads/{tenant}/}): inputs by
 * {@code input.s3}, evaluation datasets by {@code dataset.s3_prefix}. A key outside them is answered
 * 404 {@code not_found}, like a missing object, and decided before the store is asked, so a tenant
 * never learns whether another tenant's object exists.
 */
@Component
public class ReadablePrefixes {

    private final String bucket;
    private final Map<String, List<String>> byTenant;

    public ReadablePrefixes(S3Properties s3, GatewayProperties gateway) {
        this.bucket = s3.bucket();
        this.byTenant = gateway.tenants().stream().collect(Collectors.toUnmodifiableMap(
                GatewayProperties.Tenant::name, GatewayProperties.Tenant::readablePrefixes, (a, b) -> a));
    }

    /**
     * Refuses {@code key} with 404 {@code not_found} unless it starts with one of {@code tenant}'s
     * readable prefixes; the answer lists those prefixes as URIs.
     *
     * @param parameter the request member that named it, e.g. {@code input.s3}
     * @param what      what the client named, for the message: {@code input}, {@code dataset}
     * @param uri       the URI as the client wrote it
     */
    public void require(String tenant, String key, String parameter, String what, String uri) {
        List<String> prefixes = byTenant.getOrDefault(tenant, List.of());
        if (prefixes.stream().noneMatch(key::startsWith)) {
            throw ServiceException.notFound(parameter, "no " + what + " " + uri + " is readable with this API key; "
                    + what + "s it may name start with " + prefixes.stream().map(p -> "s3://" + bucket + "/" + p)
                    .collect(Collectors.joining(" or ")));
        }
    }
}
