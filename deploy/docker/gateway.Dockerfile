# syntax=docker/dockerfile:1.7
# piti-serve gateway: REST API v1, status view, health and metrics on port 8080.
#
#   docker build -f deploy/docker/gateway.Dockerfile -t pitiserve/gateway:dev .
#
# Build context: the repository root. The jar is built inside the image build from source, then
# split into Spring Boot's layers so that a code change rebuilds only the small application layer.

ARG MAVEN_IMAGE=maven:3.9.9-eclipse-temurin-17
ARG JRE_IMAGE=eclipse-temurin:17.0.15_6-jre-jammy

FROM ${MAVEN_IMAGE} AS build
WORKDIR /src
COPY pom.xml ./
COPY client/pom.xml client/
COPY test-support/pom.xml test-support/
COPY common/pom.xml common/
COPY gateway/pom.xml gateway/
COPY worker/pom.xml worker/
COPY standalone/pom.xml standalone/
COPY client/src client/src
COPY test-support/src test-support/src
COPY common/src common/src
COPY gateway/src gateway/src
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -pl gateway -am package -DskipTests

FROM ${JRE_IMAGE} AS layers
WORKDIR /layers
COPY --from=build /src/gateway/target/pitiserve-gateway.jar app.jar
RUN java -Djarmode=tools -jar app.jar extract --layers --launcher --destination extracted

FROM ${JRE_IMAGE}
# curl only for the HEALTHCHECK below.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 pitiserve \
 && useradd --system --uid 10001 --gid pitiserve --home-dir /app --shell /usr/sbin/nologin pitiserve \
 && mkdir -p /app /var/lib/pitiserve/gateway \
 && chown -R pitiserve:pitiserve /var/lib/pitiserve
WORKDIR /app
# Least-changing layer first.
COPY --from=layers /layers/extracted/dependencies/ ./
COPY --from=layers /layers/extracted/spring-boot-loader/ ./
COPY --from=layers /layers/extracted/snapshot-dependencies/ ./
COPY --from=layers /layers/extracted/application/ ./
USER 10001:10001
ENV PITISERVE_GATEWAY_STATE_DIR=/var/lib/pitiserve/gateway \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/actuator/health/liveness || exit 1
# exec form: the JVM is PID 1 and gets SIGTERM itself (graceful Spring shutdown).
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
