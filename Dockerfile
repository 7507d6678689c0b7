# The operator's JVM image. Build the application first, then the image:
#
#   hack/setup.sh && ./mvnw -B -pl operator -am package -DskipTests
#   docker build -t stage-boundary-operator:0.1.0 .
#
# The application files belong to root and are only readable by the runtime user (185), so the
# container runs non-root with a read-only root filesystem; /tmp is the one writable path (the
# Helm chart mounts an emptyDir there). ImageTest checks this file against the build output and
# the chart. The JDK is the one the benchmarks measure the operator on (docs/benchmarks.md): with
# these options JDK 17 keeps the heap near its live size; JDK 25 let it grow to its cap.
FROM eclipse-temurin:17-jre
WORKDIR /deployments
COPY operator/target/quarkus-app/lib/ /deployments/lib/
COPY operator/target/quarkus-app/app/ /deployments/app/
COPY operator/target/quarkus-app/quarkus/ /deployments/quarkus/
COPY operator/target/quarkus-app/quarkus-run.jar /deployments/quarkus-run.jar
USER 185:185
EXPOSE 8080
# glibc keeps one malloc arena per thread up to 8 per core; two are enough for a JVM and keep
# resident memory down (docs/benchmarks.md). The chart sets the same environment.
ENV MALLOC_ARENA_MAX=2
ENV JAVA_TOOL_OPTIONS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:MaxRAMPercentage=70 -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:MaxNewSize=16m -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp"
ENTRYPOINT ["java", "-jar", "/deployments/quarkus-run.jar"]
