// Package v1beta2 is the ihpa.ake.cyberagent.co.jp/v1beta2 API: the
// FittingJob resource, which describes a daily forecasting job.
//
// +k8s:deepcopy-gen=package
// +groupName=ihpa.ake.cyberagent.co.jp
package v1beta2
