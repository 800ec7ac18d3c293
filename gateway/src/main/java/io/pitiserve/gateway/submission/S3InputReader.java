package io.pitiserve.gateway.submission;

import io.pitiserve.common.errors.ServiceException;
import io.pitiserve.common.image.InvalidInputException;
import io.pitiserve.common.storage.ObjectStore;
import io.pitiserve.common.storage.ObjectStoreException;
import io.pitiserve.common.storage.ObjectTooLargeException;
import io.pitiserve.gateway.config.GatewayProperties;
import io.pitiserve.common.storage.S3Properties;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Reads an input named as {@code s3://<bucket>/<key>}. Only objects in the service bucket under one of
 * the tenant's {@link ReadablePrefixes} can be read.
 *
 * <p>{@link ObjectStore} offers no size query, so the object is read whole and the caller applies
 * the input size limit to the bytes, as for an upload.
 */
@Component
public class S3InputReader {

    private static final Logger log = LoggerFactory.getLogger(S3InputReader.class);
    private static final String SCHEME = "s3://";
    private static final String PARAMETER = "input.s3";
    private static final int MAX_KEY_LENGTH = 1024;

    private final ObjectStore objects;
    private final String bucket;
    private final ReadablePrefixes readable;
    private final GatewayProperties properties;

    public S3InputReader(ObjectStore objects, S3Properties s3, ReadablePrefixes readable,
                         GatewayProperties properties) {
        this.objects = objects;
        this.bucket = s3.bucket();
        this.readable = readable;
        this.properties = properties;
    }

    /**
     * The bytes of the object {@code uri} names, for {@code tenant}.
     *
     * @throws ServiceException {@code invalid_parameter} for a malformed URI or another bucket, 404
     *                    {@code not_found} for a key outside the tenant's prefixes or a missing object,
     *                    503 {@code unavailable} when the store does not answer
     */
    public byte[] read(String tenant, String uri) {
        String key = keyInServiceBucket(uri);
        readable.require(tenant, key, PARAMETER, "input", uri);
        long maxBytes = properties.maxInputSize().toBytes();
        try {
            return objects.get(key, maxBytes).orElseThrow(() -> ServiceException.notFound(PARAMETER, "no object " + uri
                    + " exists; upload the input there first, or send it inline"));
        } catch (ObjectTooLargeException e) {
            // Refused from the size S3 reports, before the object is read.
            throw new InvalidInputException(InvalidInputException.Reason.INPUT_TOO_LARGE, "the object " + uri + " is "
                    + (e.size() < 0 ? "larger than " + maxBytes : e.size()) + " bytes; the limit is " + maxBytes
                    + " bytes");
        } catch (ObjectStoreException e) {
            log.warn("could not read the input {}: {}", uri, e.getMessage());
            throw ServiceException.unavailable("the object store did not answer reading " + uri + "; retry later",
                    properties.retryAfter());
        }
    }

    /** The key {@code uri} names, after checking its form and that it is in the service bucket. */
    private String keyInServiceBucket(String uri) {
        if (uri == null || !uri.startsWith(SCHEME)) {
            throw malformed(uri, "it must start with s3://");
        }
        String rest = uri.substring(SCHEME.length());
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            throw malformed(uri, "it needs a bucket and a key");
        }
        String uriBucket = rest.substring(0, slash);
        String key = rest.substring(slash + 1);
        if (!uriBucket.equals(bucket)) {
            throw ServiceException.invalidParameter(PARAMETER, "input.s3 names bucket '" + uriBucket + "'; this service"
                    + " reads inputs only from its own bucket '" + bucket + "'");
        }
        if (key.length() > MAX_KEY_LENGTH || key.endsWith("/")
                || key.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw malformed(uri, "the key must name one object (at most " + MAX_KEY_LENGTH
                    + " characters, no control characters, not ending in /)");
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw malformed(uri, "the key may not hold empty, . or .. segments");
            }
        }
        return key;
    }

    private static ServiceException malformed(String uri, String why) {
        return ServiceException.invalidParameter(PARAMETER, "input.s3 '" + uri + "' is not an s3://<bucket>/<key> URI: "
                + why);
    }
}
