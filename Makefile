# Builds the C library with cargo and installs it, with its header and a
# pkg-config file.
#
#   make                              build target/release/libvisier_webhooks.*
#   make install PREFIX=/usr/local    install lib/, include/ and lib/pkgconfig/
#   make uninstall PREFIX=/usr/local
#
# PROFILE=debug uses the debug build instead of the release build.

SHELL := /bin/bash

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR ?=
CARGO ?= cargo
CARGO_TARGET_DIR ?= target
PROFILE ?= release

ifeq ($(PROFILE),release)
PROFILE_FLAG := --release
else ifeq ($(PROFILE),debug)
PROFILE_FLAG :=
else
$(error PROFILE must be release or debug, not $(PROFILE))
endif

OUT := $(CARGO_TARGET_DIR)/$(PROFILE)
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
MAJOR := $(firstword $(subst ., ,$(VERSION)))
LIBRARY := libvisier_webhooks.so

.PHONY: all build install uninstall

all: build

# rustc prints the system libraries that the static library needs; they go
# into Libs.private of the pkg-config file. tee opens its log file before cargo
# creates the target directory, so mkdir creates it first.
build:
	mkdir -p $(OUT)
	set -o pipefail; \
	$(CARGO) rustc --lib $(PROFILE_FLAG) -- --print=native-static-libs 2>&1 \
		| tee $(OUT)-build.log
	sed -n 's/.*native-static-libs: //p' $(OUT)-build.log | tail -n 1 \
		> $(OUT)/native-static-libs.txt
	test -s $(OUT)/native-static-libs.txt

install: build
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
		$(DESTDIR)$(PKGCONFIGDIR)
	install -m 755 $(OUT)/$(LIBRARY) $(DESTDIR)$(LIBDIR)/$(LIBRARY).$(VERSION)
	ln -sf $(LIBRARY).$(VERSION) $(DESTDIR)$(LIBDIR)/$(LIBRARY).$(MAJOR)
	ln -sf $(LIBRARY).$(MAJOR) $(DESTDIR)$(LIBDIR)/$(LIBRARY)
	install -m 644 $(OUT)/libvisier_webhooks.a $(DESTDIR)$(LIBDIR)/
	install -m 644 include/visier_webhooks.h $(DESTDIR)$(INCLUDEDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
		-e "s|@LIBS_PRIVATE@|$$(cat $(OUT)/native-static-libs.txt)|" \
		visier-webhooks.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/visier-webhooks.pc

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/$(LIBRARY) \
		$(DESTDIR)$(LIBDIR)/$(LIBRARY).$(MAJOR) \
		$(DESTDIR)$(LIBDIR)/$(LIBRARY).$(VERSION) \
		$(DESTDIR)$(LIBDIR)/libvisier_webhooks.a \
		$(DESTDIR)$(INCLUDEDIR)/visier_webhooks.h \
		$(DESTDIR)$(PKGCONFIGDIR)/visier-webhooks.pc
