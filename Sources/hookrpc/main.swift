print("hookrpc")
