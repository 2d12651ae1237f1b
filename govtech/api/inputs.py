def valid_input(serializer_class, data, **kwargs) -> dict:
    """Validate request data with an input serializer; a bad field raises a 400."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
