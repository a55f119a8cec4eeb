"""Writes person_ssdlite.pbtxt, the text graph OpenCV's dnn module needs beside the frozen
TensorFlow graph person_ssdlite.pb (the package it came from ships none). It follows what OpenCV's
own samples/dnn/tf_text_graph_ssd.py does for an ssdlite_mobilenet_v2 from the TensorFlow Object
Detection API (300 x 300, six feature maps, scales 0.2 to 0.95, one class): keep the feature
extractor and box predictors, then add OpenCV's PriorBox and DetectionOutput layers.

    make_pbtxt.py person_ssdlite.pb person_ssdlite.pbtxt [classes]

Needs Python with protobuf and tensorboard (for the GraphDef classes); not run by the build."""
import sys
from math import sqrt
from google.protobuf import text_format
from tensorboard.compat.proto import graph_pb2, node_def_pb2
pb, out = sys.argv[1], sys.argv[2]
NUM_CLASSES=int(sys.argv[3]) if len(sys.argv)>3 else 1
W=H=300; MIN_S, MAX_S, NL = 0.2, 0.95, 6; ARS=[1.0,2.0,0.5,3.0,0.3333]
g=graph_pb2.GraphDef(); g.ParseFromString(open(pb,'rb').read())
nodes={n.name:n for n in g.node}
ident={n.name:n.input[0] for n in g.node if n.op=='Identity'}
def res(x):
    x=x.split(':')[0].lstrip('^')
    while x in ident: x=ident[x].split(':')[0]
    return x
keep={'Conv2D','BiasAdd','Add','AddV2','Relu','Relu6','Placeholder','FusedBatchNorm','FusedBatchNormV3','DepthwiseConv2dNative','ConcatV2','Mul','MaxPool','AvgPool','Sub','Pad','Mean'}
pref=('MultipleGridAnchorGenerator/','Concatenate/','Postprocessor/','Preprocessor/')
kept={n.name for n in g.node if n.op in keep and not n.name.startswith(pref) and not (n.op=='ConcatV2' and not n.name.startswith(('FeatureExtractor','BoxPredictor')))}
new=[]
for n in g.node:
    if n.name not in kept: continue
    m=node_def_pb2.NodeDef(); m.CopyFrom(n); del m.input[:]
    for i in n.input:
        r=res(i)
        if r in kept or nodes[r].op=='Const': m.input.append(r)
    for a in ['_class','T']:
        if a in m.attr: del m.attr[a]
    new.append(m)
byname={m.name:m for m in new}
first=byname['FeatureExtractor/MobilenetV2/Conv/Conv2D']
w=[i for i in first.input if nodes.get(i) is not None and nodes[i].op=='Const'][0]
del first.input[:]; first.input.extend(['image_tensor', w])
# topological order
order=[]; seen=set()
def visit(nm):
    if nm in seen or nm not in byname: return
    seen.add(nm)
    for i in byname[nm].input: visit(i)
    order.append(byname[nm])
visit('image_tensor')
for m in new: visit(m.name)
G=graph_pb2.GraphDef(); G.node.extend(order)
def node(name, op, inputs=()):
    m=G.node.add(); m.name=name; m.op=op; m.input.extend(inputs); return m
def tensor_attr(m,key,vals):
    t=m.attr[key].tensor
    if all(isinstance(v,float) for v in vals): t.dtype=1; t.float_val.extend(vals)
    else: t.dtype=3; t.int_val.extend(vals)
    t.tensor_shape.dim.add().size=len(vals)
c=node('concat/axis_flatten','Const'); tensor_attr(c,'value',[-1])
c=node('PriorBox/concat/axis','Const'); tensor_attr(c,'value',[-2])
for label in ['ClassPredictor','BoxEncodingPredictor']:
    ins=[]
    for i in range(NL):
        src='BoxPredictor_%d/%s/BiasAdd'%(i,label); node(src+'/Flatten','Flatten',[src]); ins.append(src+'/Flatten')
    node(label+'/concat','ConcatV2',ins+['concat/axis_flatten'])
for m in G.node:
    if m.name.startswith('BoxPredictor_') and m.name.endswith('/BoxEncodingPredictor/Conv2D'): m.attr['loc_pred_transposed'].b=True
scales=[MIN_S+(MAX_S-MIN_S)*i/(NL-1) for i in range(NL)]+[1.0]
pbs=[]
for i in range(NL):
    if i==0: ws=[0.1,MIN_S*sqrt(2.0),MIN_S*sqrt(0.5)]; hs=[0.1,MIN_S/sqrt(2.0),MIN_S/sqrt(0.5)]
    else:
        ws=[scales[i]*sqrt(a) for a in ARS]+[sqrt(scales[i]*scales[i+1])]; hs=[scales[i]/sqrt(a) for a in ARS]+[sqrt(scales[i]*scales[i+1])]
    p=node('PriorBox_%d'%i,'PriorBox',['BoxPredictor_%d/BoxEncodingPredictor/BiasAdd'%i,'image_tensor'])
    p.attr['flip'].b=False; p.attr['clip'].b=False
    tensor_attr(p,'width',[x*W for x in ws]); tensor_attr(p,'height',[x*H for x in hs]); tensor_attr(p,'variance',[0.1,0.1,0.2,0.2])
    pbs.append(p.name)
node('PriorBox/concat','ConcatV2',pbs+['concat/axis_flatten'])
c=node('ClassPredictor/concat3d/shape','Const'); tensor_attr(c,'value',[0,-1,NUM_CLASSES+1])
node('ClassPredictor/concat3d','Reshape',['ClassPredictor/concat','ClassPredictor/concat3d/shape'])
node('ClassPredictor/concat/sigmoid','Sigmoid',['ClassPredictor/concat3d'])
node('ClassPredictor/concat/sigmoid/Flatten','Flatten',['ClassPredictor/concat/sigmoid'])
d=node('detection_out','DetectionOutput',['BoxEncodingPredictor/concat','ClassPredictor/concat/sigmoid/Flatten','PriorBox/concat'])
d.attr['num_classes'].i=NUM_CLASSES+1; d.attr['share_location'].b=True; d.attr['background_label_id'].i=0
d.attr['nms_threshold'].f=0.6; d.attr['confidence_threshold'].f=0.01; d.attr['top_k'].i=100; d.attr['keep_top_k'].i=100; d.attr['code_type'].s=b'CENTER_SIZE'
# prune unconnected
while True:
    used={i for m in G.node for i in m.input}
    dead=[m for m in G.node if m.name not in used and m.name!='detection_out']
    if not dead: break
    keepn=[m for m in G.node if m not in dead]; del G.node[:]; G.node.extend(keepn)
open(out,'w').write(text_format.MessageToString(G))
print('nodes',len(G.node))
