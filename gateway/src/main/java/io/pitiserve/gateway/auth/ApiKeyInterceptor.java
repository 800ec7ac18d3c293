package io.pitiserve.gateway.auth;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import io.pitiserve.gateway.api.ApiProblem;

import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Authenticates every {@code /v1/**} request by its {@code Authorization: Bearer <api key>} header
 * and leaves the tenant in a request attribute for the controllers.
 */
@Component
public class ApiKeyInterceptor implements HandlerInterceptor {

    /** Request attribute holding the {@link Tenant}. */
    public static final String TENANT_ATTRIBUTE = ApiKeyInterceptor.class.getName() + ".tenant";

    private static final String BEARER = "bearer ";

    private final TenantDirectory tenants;

    public ApiKeyInterceptor(TenantDirectory tenants) {
        this.tenants = tenants;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization == null || authorization.isBlank()) {
            throw ApiProblem.unauthorized("the request has no Authorization header; send 'Authorization: Bearer <api key>'");
        }
        if (authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw ApiProblem.unauthorized("the Authorization header must use the Bearer scheme: 'Bearer <api key>'");
        }
        String key = authorization.substring(BEARER.length()).trim();
        Tenant tenant = tenants.authenticate(key)
                .orElseThrow(() -> ApiProblem.unauthorized("the API key is not valid"));
        request.setAttribute(TENANT_ATTRIBUTE, tenant);
        return true;
    }
}
