package io.pitiserve.gateway.auth;


import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.errors.ServiceException;
import org.springframework.stereotype.Component;

/**
 * Authenticates a request by its {@code Authorization: Bearer <api key>} header alone, so that the
 * HTTP edge can refuse a caller before it reads a byte of the body.
 */
@Component
public class ApiKeyAuthenticator {

    /** Request attribute holding the {@link Tenant} of an authenticated request. */
    public static final String TENANT_ATTRIBUTE = ApiKeyAuthenticator.class.getName() + ".tenant";

    private static final String BEARER = "bearer ";

    private final TenantDirectory tenants;

    public ApiKeyAuthenticator(TenantDirectory tenants) {
        this.tenants = tenants;
    }

    /**
     * The tenant whose key the header carries.
     *
     * @param authorization the {@code Authorization} header, or null
     * @throws ServiceException {@code unauthorized} naming what is wrong with the header
     */
    public Tenant authenticate(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw new ServiceException(ErrorCode.UNAUTHORIZED, "the request has no Authorization header; send 'Authorization: Bearer <api key>'");
        }
        if (authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw new ServiceException(ErrorCode.UNAUTHORIZED, "the Authorization header must use the Bearer scheme: 'Bearer <api key>'");
        }
        String key = authorization.substring(BEARER.length()).trim();
        return tenants.authenticate(key).orElseThrow(() -> new ServiceException(ErrorCode.UNAUTHORIZED, "the API key is not valid"));
    }
}
