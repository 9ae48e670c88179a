# A Faster R-CNN on COCO, shaped like mmdet's faster-rcnn_r50_fpn_1x_coco.py: the model and data
# here, the schedule from the _base_ file (followed relative to this one, merged key by key).
# lrsched plot configs/trainers/mmengine_faster_rcnn_1x.py --dataset-size 117266 --world-size 8
_base_ = ['./mmengine_schedule_1x.py']

model = dict(
    type='FasterRCNN',
    backbone=dict(type='ResNet', depth=50, num_stages=4, frozen_stages=1, norm_eval=True, style='pytorch',
                  init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    neck=dict(type='FPN', in_channels=[256, 512, 1024, 2048], out_channels=256, num_outs=5),
)

dataset_type = 'CocoDataset'
data_root = 'data/coco/'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='annotations/instances_train2017.json',
                 data_prefix=dict(img='train2017/'), pipeline=train_pipeline))

# the base's optimizer, with gradient clipping added (a dict merged into the base's, not replacing it)
optim_wrapper = dict(clip_grad=dict(max_norm=35, norm_type=2))
