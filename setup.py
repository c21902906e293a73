"""Only the native SM4-GCM extension (offline_cache/_sm4gcm.c) needs this file; everything
else is in pyproject.toml. The extension is optional: without a C compiler or on another
CPU the kiosk uses OpenSSL's SM4 (through ``cryptography``) instead."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("offline_cache._sm4gcm", ["offline_cache/_sm4gcm.c"],
                             optional=True, extra_compile_args=["-O2"])])
