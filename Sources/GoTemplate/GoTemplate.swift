/// Go text/template: the template language of Prometheus rule annotations and Alertmanager notifications.
enum GoTemplateModule {}
