package io.pitiserve.testsupport.kafka;

import java.lang.reflect.Parameter;
import java.util.Arrays;
import java.util.Locale;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.test.context.junit.jupiter.SpringExtension;

/**
 * The JUnit side of {@link BrokerForTest}: skips the class when the container was asked for and no
 * Docker engine answers, and hands {@link TestBroker} parameters their broker.
 */
final class BrokerForTestExtension implements ExecutionCondition, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(BrokerForTestExtension.class);

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (BrokerKind.requested().orElse(null) == BrokerKind.CONTAINER && !BrokerKind.dockerAvailable()) {
            return ConditionEvaluationResult.disabled("Kafka container requested (-D" + BrokerKind.PROPERTY
                    + "=container) but no Docker engine answers: start Docker, or drop the property to run"
                    + " against the embedded broker");
        }
        return ConditionEvaluationResult.enabled("Kafka broker: " + BrokerKind.selected().name().toLowerCase(Locale.ROOT));
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext context) {
        Parameter parameter = parameterContext.getParameter();
        // @Autowired parameters are Spring's to resolve (the context's broker bean).
        return parameter.getType() == TestBroker.class && !parameterContext.isAnnotated(Autowired.class);
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        if (isSpringTest(testClass)) {
            return SpringExtension.getApplicationContext(context).getBean(TestBroker.class);
        }
        BrokerForTest request = AnnotationSupport.findAnnotation(testClass, BrokerForTest.class).orElseThrow();
        return classContext(context).getStore(NAMESPACE).computeIfAbsent(testClass,
                type -> TestBroker.start(BrokerKind.selected(), new BrokerSettings(request.partitions())),
                TestBroker.class);
    }

    /** The class's context, whose store is closed (and the broker with it) after the class. */
    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext current = context;
        while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
            current = current.getParent().get();
        }
        return current;
    }

    private static boolean isSpringTest(Class<?> testClass) {
        return MergedAnnotations.from(testClass, SearchStrategy.TYPE_HIERARCHY)
                .stream(ExtendWith.class)
                .map(MergedAnnotation::synthesize)
                .flatMap(extendWith -> Arrays.stream(extendWith.value()))
                .anyMatch(SpringExtension.class::equals);
    }
}
