"""The gRPC edge: servicers, interceptors, server bootstrap and a Python client.

The only package that imports grpc or the generated stubs.
"""
