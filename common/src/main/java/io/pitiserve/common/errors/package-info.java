/**
 * The error vocabulary shared by gateway and worker: the stable wire {@link io.pitiserve.common.errors.ErrorCode}s
 * and the one exception root, {@link io.pitiserve.common.errors.ServiceException}, that says whether a failure is
 * retryable. The limits of a request's parameters, which both apps check, live beside
 * the request: {@link io.pitiserve.common.events.TranslationParams}.
 */
package io.pitiserve.common.errors;
