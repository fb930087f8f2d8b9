# The RedisPair operator image.
#
#   podman build --network host -t redispair-operator:dev .      (or docker build; localcluster/lib/images.sh does it)
#
# Stage 1 builds the C++ binary with CMake/Ninja on Debian bookworm and runs the unit tests (a failing test fails
# the image build). Stage 2 is `scratch` holding only the stripped binary, the shared libraries it links (its ldd
# closure), CA certificates and a passwd entry for the non-root user it runs as, plus the statically linked
# importer that master pods copy (`redispair install-importer`), so that it runs in any Redis image.
# `debian:bookworm-slim` is the official image; on machines without a registry, localcluster/lib/images.sh
# builds a stand-in from `debootstrap --variant=minbase bookworm`.

FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config binutils ca-certificates \
      libboost-dev libssl-dev nlohmann-json3-dev libyaml-cpp-dev libhiredis-dev catch2 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt .clang-format ./
COPY operator/ operator/
# -O2 as the project's default RelWithDebInfo (GCC 12's -O3 trips a -Wrestrict false positive, GCC bug 105329),
# without the debug info: the binary is stripped anyway.
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
 && cmake --build /build -j"$(nproc)" \
 && cd /build && ctest --output-on-failure -j"$(nproc)"
# The runtime file system: binary, its shared-library closure (with the dynamic loader), CA bundle, passwd/group.
RUN set -eu; \
    mkdir -p /out/etc/ssl/certs /out/tmp; \
    strip -o /out/redispair /build/operator/redispair; \
    strip -o /out/redispair-import /build/operator/src/cmd/redispair-import-static; \
    for lib in $(ldd /build/operator/redispair | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do \
      cp -L --parents "${lib}" /out/; \
    done; \
    cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/; \
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin\n' >/out/etc/passwd; \
    printf 'root:x:0:\nnonroot:x:65532:\n' >/out/etc/group; \
    chmod 1777 /out/tmp

FROM scratch
COPY --from=build /out/ /
USER 65532:65532
ENTRYPOINT ["/redispair"]
CMD ["operator"]
